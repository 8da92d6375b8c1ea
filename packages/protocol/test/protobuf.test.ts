import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  ErrorCodes,
  PING,
  PROTOBUF_PING,
  decodeFrame,
  decodeProtobufConnectRequest,
  decodeProtobufEmulationRequest,
  decodeProtobufFrame,
  encodeError,
  encodeProtobufError,
  encodeProtobufPush,
  encodeProtobufReply,
  encodeProtobufUnidirectionalPush,
  encodePush,
  encodeReply,
  joinMessages,
  joinProtobufMessages,
  type CommandResults,
  type PushBodies,
  type PushKind,
  type ReplyMethod,
} from '../src/index.js';
import { fieldBytes, jsonBytes, plainProtobuf, sdkJson, sdkProtobuf, undelimited, withoutDefaults } from './sdk-codecs.js';

/**
 * Commands in the shapes the SDK builds them (centrifuge-js `_constructConnectCommand`,
 * `_buildSubscribeCommand`, `_getHistoryRequest`, …). `payload` turns a JSON value into what each
 * build takes: the value itself for JSON, its UTF-8 JSON text for protobuf.
 */
const sdkCommands = (payload: (value: unknown) => unknown): object[] => [
  {
    id: 1,
    connect: {
      token: 'header.payload.sig', data: payload({ app: 'web' }), name: 'js', version: '5.8.0',
      headers: { 'x-tenant': 't1' }, subs: { 'server:feed': { recover: true, offset: 41, epoch: 'e1' } },
    },
  },
  {
    id: 2,
    subscribe: {
      channel: 'exec:42', token: 'sub.jwt', data: payload({ from: 'ui' }), positioned: true, recoverable: true,
      join_leave: true, flag: 1, recover: true, offset: 17, epoch: 'ep', delta: 'fossil',
    },
  },
  { id: 3, publish: { channel: 'chat', data: payload({ text: 'héllo ✓ 😀' }) } },
  { id: 4, presence: { channel: 'chat' } },
  { id: 5, presence_stats: { channel: 'chat' } },
  { id: 6, history: { channel: 'chat', since: { offset: 10, epoch: 'ep' }, limit: 50, reverse: true } },
  { id: 7, history: { channel: 'chat', limit: 0 } },
  { id: 8, rpc: { method: 'sum', data: payload([1, 2]) } },
  { id: 9, refresh: { token: 'fresh.jwt' } },
  { id: 10, sub_refresh: { channel: 'exec:42', token: 'sub.fresh' } },
  { id: 11, unsubscribe: { channel: 'chat' } },
  { send: { data: payload({ typing: true }) } },
  {},
];

const protobufCommands = sdkCommands(jsonBytes);
const jsonCommands = sdkCommands((value) => value);

const decodeError = (bytes: Uint8Array | string, max = 10): DecodeError => {
  const frame = typeof bytes === 'string' ? Buffer.from(bytes.replace(/ /g, ''), 'hex') : bytes;
  try {
    decodeProtobufFrame(frame, max);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError');
};

describe('decodeProtobufFrame', () => {
  it('gives each command the SDK encodes the message the JSON codec gives for its JSON encoding', () => {
    for (const [index, command] of protobufCommands.entries()) {
      const fromProtobuf = decodeProtobufFrame(sdkProtobuf.encodeCommands([command]), 10);
      const fromJson = decodeFrame(sdkJson.encodeCommands([jsonCommands[index] as object]), 10);
      expect(fromProtobuf, JSON.stringify(jsonCommands[index])).toStrictEqual(fromJson);
    }
  });

  it('splits a batch as the SDK writes it: varint length-delimited commands', () => {
    const all = decodeProtobufFrame(sdkProtobuf.encodeCommands(protobufCommands), 20);
    expect(all).toStrictEqual(decodeFrame(sdkJson.encodeCommands(jsonCommands), 20));
    expect(all.map((message) => message.method)).toEqual([
      'connect', 'subscribe', 'publish', 'presence', 'presence_stats', 'history', 'history', 'rpc',
      'refresh', 'sub_refresh', 'unsubscribe', 'send', 'pong',
    ]);
  });

  it('reads the empty command, one zero byte, as a pong', () => {
    expect(Array.from(sdkProtobuf.encodeCommands([{}]))).toEqual([0]);
    expect(decodeProtobufFrame(Uint8Array.of(0), 1)).toEqual([{ method: 'pong' }]);
  });

  it('reads offsets up to 2^53 - 1 as numbers', () => {
    const [message] = decodeProtobufFrame(sdkProtobuf.encodeCommands([{ id: 1, subscribe: { channel: 'c', recover: true, offset: Number.MAX_SAFE_INTEGER } }]), 1);
    expect(message).toEqual({ id: 1, method: 'subscribe', request: { channel: 'c', recover: true, offset: Number.MAX_SAFE_INTEGER } });
  });

  it('rejects malformed bytes with a DecodeError naming why', () => {
    expect(decodeError('').reason).toBe('empty frame');
    expect(decodeError('ff').reason).toMatch(/^malformed protobuf/); // a varint cut short
    expect(decodeError('05 08 01').reason).toBe('command is truncated');
    expect(decodeError('03 0a 01 41').reason).toBe('id: wire type 2, expected 0');
    expect(decodeError('06 08 01 2a 02 08 01').reason).toBe('subscribe.channel: wire type 0, expected 2');
    expect(decodeError('07 08 01 2a 03 0a 01 ff').reason).toBe('subscribe.channel is not UTF-8');
    expect(decodeError('06 08 01 2a 02 0a 05').reason).toMatch(/^malformed protobuf: index out of range/); // a string running past the frame
    expect(decodeError('02 00 00').reason).toBe('Command: field number 0');
    expect(decodeError('02 0f 00').reason).toBe('id: wire type 7, expected 0');
    expect(decodeError('02 1f 00').reason).toMatch(/^malformed protobuf: invalid wire type 7/); // unknown field 3
    expect(decodeError('05 08 01 2a 03 0a 01 61 00').reason).toBe('subscribe is truncated');
    expect(decodeError('07 08 01 2a 02 0a 03 61 62 63').reason).toBe('subscribe runs past its length');
  });

  it('applies the JSON codec rules on top of the wire format', () => {
    const reason = (command: object, max = 10) => decodeError(sdkProtobuf.encodeCommands([command]), max).reason;
    expect(reason({ id: 1, subscribe: {} })).toBe('subscribe.channel is required');
    expect(reason({ publish: { channel: 'c' } })).toBe('publish command without id');
    expect(reason({ id: 1 })).toBe('command has an id but no method');
    expect(reason({ id: 1, ping: {} })).toBe('unknown method "ping"');
    expect(reason({ id: 1, presence: { channel: 'a' }, presence_stats: { channel: 'a' } })).toBe('command has several methods: presence, presence_stats');
    expect(reason({ id: 1, subscribe: { channel: 'c', offset: 2 ** 60 } })).toBe('subscribe.offset is beyond 2^53');
    expect(decodeError(sdkProtobuf.encodeCommands([{}, {}, {}]), 2).reason).toBe('frame carries more than 2 commands');
  });

  it('carries the data of every command that is not JSON as binary data, and decodes the rest of the frame as it is', () => {
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const frame = sdkProtobuf.encodeCommands([
      { id: 1, connect: { data: Uint8Array.of(0x08, 0x96, 0x01), name: 'n' } },
      { id: 2, publish: { channel: 'c', data: Uint8Array.of(0xff, 0x00, 0x10) } },
      { id: 3, rpc: { method: 'm', data: new TextEncoder().encode('not json') } },
      { id: 4, subscribe: { channel: 'c', data: Uint8Array.of(0xff) } },
      { send: { data: Uint8Array.of(0xfe) } },
      { id: 5, presence: { channel: 'c' } },
    ]);
    const [connect, publish, rpc, subscribe, send, presence] = decodeProtobufFrame(frame, 10);
    expect(connect).toEqual({ id: 1, method: 'connect', request: { name: 'n', data: base64(Uint8Array.of(0x08, 0x96, 0x01)), binary: true } });
    expect(publish).toEqual({ id: 2, method: 'publish', request: { channel: 'c', data: base64(Uint8Array.of(0xff, 0x00, 0x10)), binary: true } });
    expect(rpc).toEqual({ id: 3, method: 'rpc', request: { method: 'm', data: Buffer.from('not json').toString('base64'), binary: true } });
    expect(subscribe).toEqual({ id: 4, method: 'subscribe', request: { channel: 'c', data: base64(Uint8Array.of(0xff)), binary: true } });
    expect(send).toEqual({ id: 0, method: 'send', request: { data: base64(Uint8Array.of(0xfe)), binary: true } });
    expect(presence).toEqual({ id: 5, method: 'presence', request: { channel: 'c' } });
  });

  it('writes connect and subscribe results of binary data as their bytes, and converts them, their publications and server-side subscriptions for JSON clients', () => {
    const bytes = Buffer.from(Uint8Array.of(0x08, 0x01, 0xff)).toString('base64');
    const json = Buffer.from('{"b":2}').toString('base64');
    const pub = { data: json, binary: true, offset: 1 };
    const connect = { client: 'c', version: 'v', data: bytes, binary: true, subs: { s: { data: json, binary: true, publications: [pub] }, t: { recoverable: true } } };
    const [reply] = sdkProtobuf.decodeReplies(encodeProtobufReply(1, 'connect', connect));
    expect([...(reply!.connect!.data as Uint8Array)]).toEqual([0x08, 0x01, 0xff]);
    expect(new TextDecoder().decode(reply!.connect!.subs!.s!.data as Uint8Array)).toBe('{"b":2}');
    expect(JSON.parse(encodeReply(1, 'connect', connect))).toEqual({
      id: 1,
      connect: { client: 'c', version: 'v', data: bytes, subs: { s: { data: { b: 2 }, publications: [{ data: { b: 2 }, offset: 1 }] }, t: { recoverable: true } } },
    });
    expect(connect.subs.s.binary).toBe(true);
    expect(JSON.parse(encodePush('s', 'subscribe', { data: json, binary: true }))).toEqual({ push: { channel: 's', subscribe: { data: { b: 2 } } } });
  });

  it('writes an RPC result of binary data as its bytes, and gives a JSON client JSON text as JSON and other bytes as base64', () => {
    const bytes = Uint8Array.of(0x08, 0x01, 0xff);
    const [reply] = sdkProtobuf.decodeReplies(encodeProtobufReply(7, 'rpc', { data: Buffer.from(bytes).toString('base64'), binary: true }));
    expect(reply).toMatchObject({ id: 7 });
    expect([...(reply!.rpc!.data as Uint8Array)]).toEqual([...bytes]);
    expect(JSON.parse(encodeReply(7, 'rpc', { data: Buffer.from(bytes).toString('base64'), binary: true }))).toEqual({ id: 7, rpc: { data: Buffer.from(bytes).toString('base64') } });
    expect(JSON.parse(encodeReply(8, 'rpc', { data: Buffer.from('{"a":1}').toString('base64'), binary: true }))).toEqual({ id: 8, rpc: { data: { a: 1 } } });
  });
});

describe('emulation and unidirectional requests', () => {
  it('reads the EmulationRequest the SDK posts in protobuf mode, commands inside', () => {
    const data = sdkProtobuf.encodeCommands([{ id: 5, publish: { channel: 'c', data: jsonBytes({ a: 1 }) } }]);
    const body = sdkProtobuf.encodeEmulationRequest({ node: 'node-1', session: 'sess-9', data });
    const request = decodeProtobufEmulationRequest(body);
    expect(request.node).toBe('node-1');
    expect(request.session).toBe('sess-9');
    expect(decodeProtobufFrame(request.data, 10)).toEqual([{ id: 5, method: 'publish', request: { channel: 'c', data: { a: 1 } } }]);
    expect(() => decodeProtobufEmulationRequest(sdkProtobuf.encodeEmulationRequest({ node: 'n', session: '', data }))).toThrow(DecodeError);
    expect(() => decodeProtobufEmulationRequest(Uint8Array.of(0x0a, 0x09))).toThrow(DecodeError);
  });

  it('reads a bare ConnectRequest, the one message of a unidirectional client', () => {
    const command = protobufCommands[0] as { connect: object };
    const connectRequest = fieldBytes(undelimited(sdkProtobuf.encodeCommands([{ connect: command.connect }])), 4);
    const [fromJson] = decodeFrame(sdkJson.encodeCommands([jsonCommands[0] as object]), 1);
    expect(decodeProtobufConnectRequest(connectRequest)).toStrictEqual((fromJson as { request: object }).request);
    expect(decodeProtobufConnectRequest(new Uint8Array(0))).toEqual({});
    expect(decodeProtobufConnectRequest(Uint8Array.of(0x12, 0x01, 0xff))).toEqual({ data: '/w==', binary: true });
    expect(() => decodeProtobufConnectRequest(Uint8Array.of(0x12, 0x05))).toThrow(DecodeError);
  });
});

const publication = {
  data: { step: 3, label: 'ünïcode ✓' },
  offset: 9,
  info: { user: 'u1', client: 'c1', conn_info: { name: 'Ann' }, chan_info: { role: 'admin' } },
  tags: { kind: 'progress' },
};

const replies: { [M in ReplyMethod]: CommandResults[M] } = {
  connect: {
    client: 'c1', version: '0.1.0', expires: true, ttl: 60, data: { hello: 'x' }, ping: 25, pong: true,
    subs: { 'server:feed': { recoverable: true, positioned: true, epoch: 'e1', offset: 42, publications: [publication] } },
  },
  subscribe: {
    expires: true, ttl: 30, recoverable: true, positioned: true, epoch: 'e', offset: 18, recovered: true,
    was_recovering: true, data: { welcome: 1 }, publications: [publication, { data: [1, 2], offset: 10 }],
  },
  unsubscribe: {},
  publish: {},
  presence: { presence: { c1: publication.info, c2: { user: 'u2', client: 'c2' } } },
  presence_stats: { num_clients: 3, num_users: 2 },
  history: { publications: [publication], epoch: 'e', offset: Number.MAX_SAFE_INTEGER },
  rpc: { data: { sum: 3 } },
  refresh: { client: 'c1', version: 'v', expires: true, ttl: 120 },
  sub_refresh: { expires: true, ttl: 30 },
};

const pushes: { [K in PushKind]: [channel: string | undefined, body: PushBodies[K]] } = {
  pub: ['exec:42', publication],
  join: ['chat', { info: publication.info }],
  leave: ['chat', { info: { user: 'u2', client: 'c2' } }],
  unsubscribe: ['chat', { code: 2000, reason: 'server unsubscribe' }],
  subscribe: ['server:feed', { recoverable: true, positioned: true, epoch: 'e', offset: 3, data: { a: 1 } }],
  message: [undefined, { data: 'hi' }],
  refresh: [undefined, { expires: true, ttl: 60 }],
  connect: [undefined, { client: 'c1', version: 'v', ping: 25, pong: true, session: 's1', node: 'n1', data: null }],
  disconnect: [undefined, { code: 3001, reason: 'shutdown', reconnect: true }],
};

/** What the SDK's protobuf build decodes, as plain data, beside what its JSON build decodes from our JSON. */
const bothDecodes = (protobufFrame: Uint8Array, jsonFrame: string) => ({
  protobuf: plainProtobuf(sdkProtobuf.decodeReplies(protobufFrame)),
  json: withoutDefaults(sdkJson.decodeReplies(jsonFrame)),
});

describe('encoders, judged by the SDK decoder', () => {
  it.each(Object.keys(replies) as ReplyMethod[])('reply %s decodes as its JSON twin does', (method) => {
    const result = replies[method];
    const { protobuf, json } = bothDecodes(encodeProtobufReply(7, method, result as never), encodeReply(7, method, result as never));
    expect(protobuf).toEqual(json);
    // The result is there even when empty: the SDK resolves a call by it.
    expect((sdkProtobuf.decodeReplies(encodeProtobufReply(7, method, result as never))[0] as Record<string, unknown>)[method]).toBeTruthy();
  });

  it.each(Object.keys(pushes) as PushKind[])('push %s decodes as its JSON twin does', (kind) => {
    const [channel, body] = pushes[kind];
    const { protobuf, json } = bothDecodes(encodeProtobufPush(channel, kind, body as never), encodePush(channel, kind, body as never));
    expect(protobuf).toEqual(json);
  });

  it('writes a unidirectional push as the bare Push inside the Reply', () => {
    for (const kind of Object.keys(pushes) as PushKind[]) {
      const [channel, body] = pushes[kind];
      const bare = undelimited(encodeProtobufUnidirectionalPush(channel, kind, body as never));
      expect(bare).toEqual(fieldBytes(undelimited(encodeProtobufPush(channel, kind, body as never)), 4));
    }
  });

  it('encodes errors, with temporary only when set', () => {
    for (const error of [ErrorCodes.tooManyRequests, ErrorCodes.permissionDenied, ErrorCodes.badRequest]) {
      const { protobuf, json } = bothDecodes(encodeProtobufError(5, error), encodeError(5, error));
      expect(protobuf).toEqual(json);
    }
    expect(plainProtobuf(sdkProtobuf.decodeReplies(encodeProtobufError(5, ErrorCodes.tooManyRequests)))).toEqual([
      { id: 5, error: { code: 111, message: 'too many requests', temporary: true } },
    ]);
  });

  it('pings with the empty Reply and joins messages into one frame the SDK splits', () => {
    expect(plainProtobuf(sdkProtobuf.decodeReplies(PROTOBUF_PING))).toEqual(sdkJson.decodeReplies(PING));
    const messages = [encodeProtobufReply(1, 'publish', {}), PROTOBUF_PING, encodeProtobufPush('c', 'pub', { data: { n: 1 }, offset: 2 })];
    const jsonMessages = [encodeReply(1, 'publish', {}), PING, encodePush('c', 'pub', { data: { n: 1 }, offset: 2 })];
    const { protobuf, json } = bothDecodes(joinProtobufMessages(messages), joinMessages(jsonMessages));
    expect(protobuf).toEqual(json);
    expect(protobuf).toHaveLength(3);
  });

  it('writes the same bytes as the SDK\'s own protobufjs encoder, generated from client.proto', () => {
    // The SDK's ProtobufCodec.encodeReplies (its test helper) writes what it is given, defaults
    // included, so our inputs here hold no proto3 defaults; payloads become their JSON text.
    const sdkShape = (value: unknown, key = ''): unknown => {
      if (['data', 'conn_info', 'chan_info'].includes(key)) return jsonBytes(value);
      if (Array.isArray(value)) return value.map((item) => sdkShape(item));
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, sdkShape(item, field)]));
    };
    const cases: [Uint8Array, object][] = [
      [encodeProtobufReply(7, 'history', replies.history), { id: 7, history: replies.history }],
      [encodeProtobufReply(7, 'presence', replies.presence), { id: 7, presence: replies.presence }],
      [encodeProtobufReply(7, 'connect', replies.connect), { id: 7, connect: replies.connect }],
      [encodeProtobufReply(7, 'subscribe', replies.subscribe), { id: 7, subscribe: replies.subscribe }],
      [encodeProtobufReply(7, 'publish', {}), { id: 7, publish: {} }],
      [encodeProtobufError(8, ErrorCodes.tooManyRequests), { id: 8, error: ErrorCodes.tooManyRequests }],
      ...(Object.keys(pushes) as PushKind[])
        .filter((kind) => kind !== 'connect') // its data is JSON null, which the SDK has no bytes for
        .map((kind): [Uint8Array, object] => {
          const [channel, body] = pushes[kind];
          return [encodeProtobufPush(channel, kind, body as never), { push: { ...(channel === undefined ? {} : { channel }), [kind]: body } }];
        }),
    ];
    for (const [ours, reply] of cases) expect(Buffer.from(ours).toString('hex'), JSON.stringify(reply)).toBe(Buffer.from(sdkProtobuf.encodeReplies([sdkShape(reply) as object])).toString('hex'));
  });

  it('writes a payload that is already bytes as it is', () => {
    const raw = Uint8Array.of(1, 2, 3);
    const [reply] = sdkProtobuf.decodeReplies(encodeProtobufPush('c', 'pub', { data: raw }));
    expect(Array.from(reply?.push.pub.data as Uint8Array)).toEqual([1, 2, 3]);
  });
});
