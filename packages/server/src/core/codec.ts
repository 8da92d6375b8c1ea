import {
  PING,
  encodeError,
  encodePush,
  encodeReply,
  encodeUnidirectionalPush,
  joinMessages,
  type CommandResults,
  type ProtocolError,
  type PushBodies,
  type PushKind,
  type ReplyMethod,
} from '@renum-realtime/protocol';

/**
 * How a session encodes what it sends. Bidirectional clients get replies and `{"push":…}`
 * envelopes; unidirectional ones (Centrifugo's uni_* transports) get bare pushes, with the connect
 * result as a `connect` push, since they never send a command to reply to.
 */
export interface SessionCodec {
  readonly name: 'json' | 'json-unidirectional';
  reply<M extends ReplyMethod>(id: number, method: M, result: CommandResults[M]): string;
  error(id: number, error: ProtocolError): string;
  push<K extends PushKind>(channel: string | undefined, kind: K, body: PushBodies[K]): string;
  readonly ping: string;
  join(messages: readonly string[]): string;
}

export const JSON_CODEC: SessionCodec = {
  name: 'json',
  reply: encodeReply,
  error: encodeError,
  push: encodePush,
  ping: PING,
  join: joinMessages,
};

export const UNIDIRECTIONAL_JSON_CODEC: SessionCodec = {
  name: 'json-unidirectional',
  // The only reply a unidirectional client gets is its connect result; the session turns errors
  // into disconnects for them (see `unidirectionalDisconnect`), so `error` is never reached.
  reply: (_id, method, result) => encodeUnidirectionalPush(undefined, method as PushKind, result as never),
  error: () => {
    throw new TypeError('unidirectional clients receive no error replies');
  },
  push: encodeUnidirectionalPush,
  ping: PING,
  join: joinMessages,
};

export function codecFor(unidirectional: boolean): SessionCodec {
  return unidirectional ? UNIDIRECTIONAL_JSON_CODEC : JSON_CODEC;
}
