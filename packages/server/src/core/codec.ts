import {
  PING,
  PROTOBUF_PING,
  decodeFrame,
  decodeProtobufFrame,
  encodeError,
  encodeProtobufError,
  encodeProtobufPush,
  encodeProtobufReply,
  encodePush,
  encodeReply,
  encodeUnidirectionalPush,
  joinMessages,
  joinProtobufMessages,
  type CommandResults,
  type ClientMessage,
  type ProtocolError,
  type PushAddress,
  type PushBodies,
  type PushKind,
  type ReplyMethod,
} from '@renum-realtime/protocol';
import type { Frame, WireProtocol } from './transport.js';

/**
 * How a session encodes what it sends and decodes what it reads. Bidirectional clients get
 * replies and `{"push":…}` envelopes; unidirectional ones (Centrifugo's uni_* transports) get bare
 * pushes, with the connect result as a `connect` push, since they never send a command to reply
 * to. JSON codecs produce text frames, protobuf ones bytes.
 */
export interface SessionCodec {
  readonly name: 'json' | 'json-unidirectional' | 'protobuf';
  readonly protocol: WireProtocol;
  reply<M extends ReplyMethod>(id: number, method: M, result: CommandResults[M]): Frame;
  error(id: number, error: ProtocolError): Frame;
  push<K extends PushKind>(address: PushAddress, kind: K, body: PushBodies[K]): Frame;
  readonly ping: Frame;
  join(messages: readonly Frame[]): Frame;
  /**
   * The commands of one frame.
   * @throws DecodeError when the frame does not decode at all.
   */
  decode(frame: Frame, maxMessages: number): ClientMessage[];
}

const utf8 = new TextDecoder();
const asText = (frame: Frame): string => (typeof frame === 'string' ? frame : utf8.decode(frame));
const asBytes = (frame: Frame): Uint8Array => (typeof frame === 'string' ? new TextEncoder().encode(frame) : frame);

const jsonBase = { protocol: 'json', ping: PING, join: (messages: readonly Frame[]) => joinMessages(messages as readonly string[]), decode: (frame: Frame, max: number) => decodeFrame(asText(frame), max) } as const;

export const JSON_CODEC: SessionCodec = { ...jsonBase, name: 'json', reply: encodeReply, error: encodeError, push: encodePush };

export const UNIDIRECTIONAL_JSON_CODEC: SessionCodec = {
  ...jsonBase,
  name: 'json-unidirectional',
  reply: (_id, method, result) => encodeUnidirectionalPush(undefined, method as PushKind, result as never),
  // The only reply a unidirectional client gets is its connect result; the session turns errors
  // into disconnects for them (see `unidirectionalDisconnect`), so `error` is never reached.
  error: () => {
    throw new TypeError('unidirectional clients receive no error replies');
  },
  push: encodeUnidirectionalPush,
};

const protobufBase = {
  protocol: 'protobuf',
  ping: PROTOBUF_PING,
  join: (messages: readonly Frame[]) => joinProtobufMessages(messages as readonly Uint8Array[]),
  decode: (frame: Frame, max: number) => decodeProtobufFrame(asBytes(frame), max),
} as const;

export const PROTOBUF_CODEC: SessionCodec = { ...protobufBase, name: 'protobuf', reply: encodeProtobufReply, error: encodeProtobufError, push: encodeProtobufPush };

/** Unidirectional transports speak JSON only, as Centrifugo's uni_websocket, uni_http_stream and uni_sse do. */
export function codecFor(unidirectional: boolean, protocol: WireProtocol = 'json'): SessionCodec {
  if (unidirectional) return UNIDIRECTIONAL_JSON_CODEC;
  return protocol === 'protobuf' ? PROTOBUF_CODEC : JSON_CODEC;
}
