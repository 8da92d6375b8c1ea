import { bytesToBase64 } from '../binary.js';
import { DecodeError, toClientMessage } from '../codec.js';
import type {
  ClientMessage,
  CommandResults,
  ConnectRequest as ConnectRequestType,
  ProtocolError,
  PushAddress,
  PushBodies,
  PushKind,
  ReplyMethod,
} from '../types.js';
import { type MessageSchema, Command, ConnectRequest, EmulationRequest, ErrorSchema, PUSH_CHANNEL, PUSH_ID, pushBodies, REPLY_ERROR, REPLY_ID, REPLY_PUSH, replyResults } from './schema.js';
import {
  createReader,
  decoding,
  delimited,
  readLength,
  readMessage,
  writeNested,
  writeScalar,
  type DecodeContext,
  type Reader,
  type Writer,
} from './wire.js';

/**
 * The Centrifugo client protocol in protobuf (`centrifuge-protobuf`), with the in-memory shapes of
 * the JSON codec, so a session can speak either. Every encoder returns one length-delimited
 * message, which is by itself a complete frame, as the SDK reads every binary frame or stream
 * chunk as a sequence of `Reply.decodeDelimited`.
 *
 * Payloads (`data`, `info`, `conn_info`, `chan_info`) are `bytes` in protobuf and JSON values in
 * our types: they travel as UTF-8 JSON text. A command's data that is not JSON text (a connect's,
 * a subscribe's, a publish's, an RPC's or a send's) carries its bytes through as binary data
 * (binary.ts), as Centrifugo does, for the back end or the subscribers to read.
 */

/** The command's data as binary data: the bytes as base64, flagged (binary.ts). */
function withBinaryData<R extends object>(request: R, bytes: Uint8Array): R {
  return Object.assign(request, { data: bytesToBase64(bytes), binary: true });
}

/**
 * How a client asks for protobuf (centrifugal/centrifuge handler_websocket.go, handler_http_stream.go,
 * emulation.go): the WebSocket subprotocol, or `cf_protocol=protobuf` (older `format=protobuf`) in
 * the query; over HTTP, the Content-Type of the http_stream and `/emulation` POST bodies. SSE has no
 * protobuf variant: the SDK puts the connect command in the URL as text.
 */
export const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
export const PROTOBUF_CONTENT_TYPE = 'application/octet-stream';

function decodeCommand(reader: Reader, end: number): ClientMessage {
  const context: DecodeContext = {};
  const { id, ...requests } = readMessage(reader, end, Command, context, '');
  const methods = Object.keys(requests);
  const message = toClientMessage(id as number | undefined, methods, methods.length === 1 ? requests[methods[0] as string] : undefined);
  if (context.binaryBytes !== undefined && message.method !== 'pong') withBinaryData(message.request, context.binaryBytes);
  return message;
}

/**
 * Splits one binary frame (a WebSocket message, or the `data` of an emulation request) into its
 * commands: varint length-delimited `Command`s, as the SDK's `encodeCommands` writes them. An empty
 * command is a pong. Anything malformed is a `DecodeError` (the session closes with 3501).
 */
export function decodeProtobufFrame(bytes: Uint8Array, maxMessages: number): ClientMessage[] {
  return decoding(() => {
    const reader = createReader(bytes);
    const messages: ClientMessage[] = [];
    while (reader.pos < reader.len) {
      if (messages.length >= maxMessages) throw new DecodeError(`frame carries more than ${maxMessages} commands`);
      const end = readLength(reader, reader.len, 'command');
      messages.push(decodeCommand(reader, end));
    }
    if (messages.length === 0) throw new DecodeError('empty frame');
    return messages;
  });
}

function decodeWhole(bytes: Uint8Array, schema: MessageSchema, context: DecodeContext): Record<string, unknown> {
  return decoding(() => {
    const reader = createReader(bytes);
    return readMessage(reader, reader.len, schema, context, '');
  });
}

/** The body the SDK posts to `/emulation` in protobuf mode: an `EmulationRequest`, not delimited. */
export function decodeProtobufEmulationRequest(bytes: Uint8Array): { node: string; session: string; data: Uint8Array } {
  const { node, session, data } = decodeWhole(bytes, EmulationRequest, {});
  if (typeof node !== 'string' || node === '' || typeof session !== 'string' || session === '') throw new DecodeError('emulation request needs node and session');
  return { node, session, data: (data as Uint8Array | undefined) ?? new Uint8Array(0) };
}

/**
 * The connect request a unidirectional protobuf client sends alone: a bare `ConnectRequest`, not
 * delimited (as Centrifugo's uni_grpc reads it). Empty bytes are a connect with no fields; data
 * that is not JSON text is binary data, as in a bidirectional connect.
 * @throws DecodeError when malformed.
 */
export function decodeProtobufConnectRequest(bytes: Uint8Array): ConnectRequestType {
  const context: DecodeContext = {};
  const request = decodeWhole(bytes, ConnectRequest, context) as ConnectRequestType;
  return context.binaryBytes === undefined ? request : withBinaryData(request, context.binaryBytes);
}

function writeId(writer: Writer, id: number): void {
  writeScalar(writer, REPLY_ID, 'uint32', id);
}

/** `Reply{id, <method>: result}`; the result is written even when empty, the SDK reads it by presence. */
export function encodeProtobufReply<M extends ReplyMethod>(id: number, method: M, result: CommandResults[M]): Uint8Array {
  const { number, schema } = replyResults[method];
  return delimited((writer) => {
    writeId(writer, id);
    writeNested(writer, number, schema, result as unknown as Record<string, unknown>);
  });
}

export function encodeProtobufError(id: number, error: ProtocolError): Uint8Array {
  return delimited((writer) => {
    writeId(writer, id);
    writeNested(writer, REPLY_ERROR, ErrorSchema, { code: error.code, message: error.message, temporary: error.temporary === true });
  });
}

function writePush<K extends PushKind>(writer: Writer, address: PushAddress, kind: K, body: PushBodies[K]): void {
  if (typeof address === 'number') writeScalar(writer, PUSH_ID, 'int64', address);
  else if (address !== undefined) writeScalar(writer, PUSH_CHANNEL, 'string', address);
  const { number, schema } = pushBodies[kind];
  writeNested(writer, number, schema, body as unknown as Record<string, unknown>);
}

/** `Reply{push: Push{channel, <kind>: body}}`, as bidirectional clients receive pushes. */
export function encodeProtobufPush<K extends PushKind>(address: PushAddress, kind: K, body: PushBodies[K]): Uint8Array {
  return delimited((writer) => {
    writer.uint32((REPLY_PUSH << 3) | 2).fork();
    writePush(writer, address, kind, body);
    writer.ldelim();
  });
}

/** A bare `Push`, as unidirectional transports carry it (no `Reply` envelope). */
export function encodeProtobufUnidirectionalPush<K extends PushKind>(address: PushAddress, kind: K, body: PushBodies[K]): Uint8Array {
  return delimited((writer) => writePush(writer, address, kind, body));
}

/** The server ping: an empty `Reply`, that is a zero length prefix. Shared: never mutate it. */
export const PROTOBUF_PING: Uint8Array = Uint8Array.of(0);

/** Several encoded messages in one frame: each is already length-delimited, so they are concatenated. */
export function joinProtobufMessages(messages: readonly Uint8Array[]): Uint8Array {
  if (messages.length === 1) return messages[0] as Uint8Array;
  const frame = new Uint8Array(messages.reduce((total, message) => total + message.length, 0));
  let offset = 0;
  for (const message of messages) {
    frame.set(message, offset);
    offset += message.length;
  }
  return frame;
}
