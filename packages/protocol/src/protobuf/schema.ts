/**
 * The messages of Centrifugo's `client.proto` (centrifugal/protocol, package
 * `centrifugal.centrifuge.protocol`) that the gateway reads or writes. The field numbers are the
 * protocol; the keys are the field names of our JSON types, which follow the proto names.
 * Fields we neither read nor write (map subscriptions, tags filters, dictionaries, server time)
 * are left out: unknown fields are skipped on decode, as protobuf requires.
 */

/** Scalars as proto3 declares them, plus `payload`: `bytes` that carry a JSON value on our side. */
export type ScalarType = 'string' | 'bool' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'bytes' | 'payload';

export type FieldType =
  | ScalarType
  | { message: MessageSchema }
  | { repeated: MessageSchema }
  /** A proto3 map: repeated entries with the key in field 1 and the value in field 2. */
  | { map: MessageSchema };

export interface Field {
  number: number;
  key: string;
  type: FieldType;
}

export interface MessageSchema {
  name: string;
  /** In field-number order, the order encoders write. */
  fields: readonly Field[];
  byNumber: ReadonlyMap<number, Field>;
}

/** The entry message of `map<string, value>`; a message value is written even when empty. */
function mapOf(value: ScalarType | MessageSchema): { map: MessageSchema } {
  return { map: message('MapEntry', { 1: ['key', 'string'], 2: ['value', typeof value === 'string' ? value : { message: value }] }) };
}

function message(name: string, fields: Record<number, [key: string, type: FieldType]>): MessageSchema {
  const list = Object.entries(fields).map(([number, [key, type]]) => ({ number: Number(number), key, type }));
  return { name, fields: list, byNumber: new Map(list.map((field) => [field.number, field])) };
}

// Shared by requests and results.
const StreamPosition = message('StreamPosition', { 1: ['offset', 'uint64'], 2: ['epoch', 'string'] });
const ClientInfo = message('ClientInfo', { 1: ['user', 'string'], 2: ['client', 'string'], 3: ['conn_info', 'payload'], 4: ['chan_info', 'payload'] });
const Publication = message('Publication', {
  4: ['data', 'payload'], 5: ['info', { message: ClientInfo }], 6: ['offset', 'uint64'], 7: ['tags', mapOf('string')], 8: ['delta', 'bool'],
});

// Requests: what a client sends.
const SubscribeRequest = message('SubscribeRequest', {
  1: ['channel', 'string'], 2: ['token', 'string'], 3: ['recover', 'bool'], 6: ['epoch', 'string'], 7: ['offset', 'uint64'],
  8: ['data', 'payload'], 9: ['positioned', 'bool'], 10: ['recoverable', 'bool'], 11: ['join_leave', 'bool'],
  12: ['delta', 'string'], 14: ['flag', 'int64'],
});
export const ConnectRequest = message('ConnectRequest', {
  1: ['token', 'string'], 2: ['data', 'payload'], 3: ['subs', mapOf(SubscribeRequest)], 4: ['name', 'string'],
  5: ['version', 'string'], 6: ['headers', mapOf('string')],
});
const ChannelRequest = (name: string) => message(name, { 1: ['channel', 'string'] });

/** `Command`'s request fields; `ping` (11) is listed so that it is refused by name, as in JSON. */
export const commandRequests = {
  connect: { number: 4, schema: ConnectRequest },
  subscribe: { number: 5, schema: SubscribeRequest },
  unsubscribe: { number: 6, schema: ChannelRequest('UnsubscribeRequest') },
  publish: { number: 7, schema: message('PublishRequest', { 1: ['channel', 'string'], 2: ['data', 'payload'] }) },
  presence: { number: 8, schema: ChannelRequest('PresenceRequest') },
  presence_stats: { number: 9, schema: ChannelRequest('PresenceStatsRequest') },
  history: {
    number: 10,
    schema: message('HistoryRequest', { 1: ['channel', 'string'], 7: ['limit', 'int32'], 8: ['since', { message: StreamPosition }], 9: ['reverse', 'bool'] }),
  },
  ping: { number: 11, schema: message('PingRequest', {}) },
  send: { number: 12, schema: message('SendRequest', { 1: ['data', 'payload'] }) },
  rpc: { number: 13, schema: message('RPCRequest', { 1: ['data', 'payload'], 2: ['method', 'string'] }) },
  refresh: { number: 14, schema: message('RefreshRequest', { 1: ['token', 'string'] }) },
  sub_refresh: { number: 15, schema: message('SubRefreshRequest', { 1: ['channel', 'string'], 2: ['token', 'string'] }) },
} as const;

export const Command = message('Command', {
  1: ['id', 'uint32'],
  ...Object.fromEntries(Object.entries(commandRequests).map(([method, { number, schema }]) => [number, [method, { message: schema }]])),
});

export const EmulationRequest = message('EmulationRequest', { 1: ['node', 'string'], 2: ['session', 'string'], 3: ['data', 'bytes'] });

// Results and pushes: what the server sends.
const SubscribeResult = message('SubscribeResult', {
  1: ['expires', 'bool'], 2: ['ttl', 'uint32'], 3: ['recoverable', 'bool'], 6: ['epoch', 'string'],
  7: ['publications', { repeated: Publication }], 8: ['recovered', 'bool'], 9: ['offset', 'uint64'],
  10: ['positioned', 'bool'], 11: ['data', 'payload'], 12: ['was_recovering', 'bool'], 13: ['delta', 'bool'], 14: ['id', 'int64'],
});
const Empty = (name: string) => message(name, {});

export const ErrorSchema = message('Error', { 1: ['code', 'uint32'], 2: ['message', 'string'], 3: ['temporary', 'bool'] });

/** `Reply`'s result field per command method. */
export const replyResults = {
  connect: {
    number: 5,
    schema: message('ConnectResult', {
      1: ['client', 'string'], 2: ['version', 'string'], 3: ['expires', 'bool'], 4: ['ttl', 'uint32'], 5: ['data', 'payload'],
      6: ['subs', mapOf(SubscribeResult)], 7: ['ping', 'uint32'], 8: ['pong', 'bool'], 9: ['session', 'string'], 10: ['node', 'string'],
    }),
  },
  subscribe: { number: 6, schema: SubscribeResult },
  unsubscribe: { number: 7, schema: Empty('UnsubscribeResult') },
  publish: { number: 8, schema: Empty('PublishResult') },
  presence: { number: 9, schema: message('PresenceResult', { 1: ['presence', mapOf(ClientInfo)] }) },
  presence_stats: { number: 10, schema: message('PresenceStatsResult', { 1: ['num_clients', 'uint32'], 2: ['num_users', 'uint32'] }) },
  history: {
    number: 11,
    schema: message('HistoryResult', { 1: ['publications', { repeated: Publication }], 2: ['epoch', 'string'], 3: ['offset', 'uint64'] }),
  },
  rpc: { number: 13, schema: message('RPCResult', { 1: ['data', 'payload'] }) },
  refresh: {
    number: 14,
    schema: message('RefreshResult', { 1: ['client', 'string'], 2: ['version', 'string'], 3: ['expires', 'bool'], 4: ['ttl', 'uint32'] }),
  },
  sub_refresh: { number: 15, schema: message('SubRefreshResult', { 1: ['expires', 'bool'], 2: ['ttl', 'uint32'] }) },
} as const;

export const REPLY_ID = 1;
export const REPLY_ERROR = 2;
export const REPLY_PUSH = 4;

const Info = (name: string) => message(name, { 1: ['info', { message: ClientInfo }] });

/** `Push`'s body field per push kind. */
export const pushBodies = {
  pub: { number: 4, schema: Publication },
  join: { number: 5, schema: Info('Join') },
  leave: { number: 6, schema: Info('Leave') },
  unsubscribe: { number: 7, schema: message('Unsubscribe', { 2: ['code', 'uint32'], 3: ['reason', 'string'] }) },
  message: { number: 8, schema: message('Message', { 1: ['data', 'payload'] }) },
  subscribe: {
    number: 9,
    schema: message('Subscribe', { 1: ['recoverable', 'bool'], 4: ['epoch', 'string'], 5: ['offset', 'uint64'], 6: ['positioned', 'bool'], 7: ['data', 'payload'] }),
  },
  connect: {
    number: 10,
    schema: message('Connect', {
      1: ['client', 'string'], 2: ['version', 'string'], 3: ['data', 'payload'], 4: ['subs', mapOf(SubscribeResult)], 5: ['expires', 'bool'],
      6: ['ttl', 'uint32'], 7: ['ping', 'uint32'], 8: ['pong', 'bool'], 9: ['session', 'string'], 10: ['node', 'string'],
    }),
  },
  disconnect: { number: 11, schema: message('Disconnect', { 1: ['code', 'uint32'], 2: ['reason', 'string'], 3: ['reconnect', 'bool'] }) },
  refresh: { number: 12, schema: message('Refresh', { 1: ['expires', 'bool'], 2: ['ttl', 'uint32'] }) },
} as const;

export const PUSH_ID = 1;
export const PUSH_CHANNEL = 2;
