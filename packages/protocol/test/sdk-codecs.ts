import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import protobuf from 'protobufjs/minimal.js';

/** The SDK's codec interface (centrifuge-js `codec.ts`), as both of its builds implement it. */
export interface SdkCodec {
  name(): string;
  encodeCommands(commands: object[]): Uint8Array & string;
  encodeReplies(replies: object[]): Uint8Array;
  decodeReplies(data: unknown): Record<string, any>[];
  encodeEmulationRequest(request: { node: string; session: string; data: Uint8Array }): Uint8Array;
  applyDeltaIfNeeded(pub: unknown, prevValue: unknown): { newData: unknown; newPrevValue: Uint8Array; isDelta: boolean };
}

/**
 * The judges: the codecs inside the official SDK's two builds. The SDK keeps them private
 * (`_codec`, set by each build's `_formatOverride`); a client that never connects hands them over.
 */
const codecOf = (client: unknown): SdkCodec => (client as { _codec: SdkCodec })._codec;
export const sdkProtobuf = codecOf(new ProtobufCentrifuge('ws://127.0.0.1:9/connection/websocket', { websocket: class {} }));
export const sdkJson = codecOf(new JsonCentrifuge('ws://127.0.0.1:9/connection/websocket', { websocket: class {} }));

const utf8 = new TextEncoder();
export const jsonBytes = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));

const PAYLOAD_KEYS = new Set(['data', 'conn_info', 'chan_info']);
/** Map fields: an empty map and no map are the same on the wire. */
const MAP_KEYS = new Set(['tags', 'subs', 'presence', 'headers']);

const isLong = (value: unknown): value is { toNumber(): number } =>
  typeof value === 'object' && value !== null && 'low' in value && 'high' in value && 'unsigned' in value;

const isEmptyCollection = (value: unknown): boolean =>
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0);

/**
 * The SDK's protobuf replies as plain data. protobufjs message objects hold the fields that were on
 * the wire as own properties, plus an empty array or map for every repeated or map field (dropped
 * here); 64-bit integers come as Long; payload bytes are read as JSON.
 */
export function plainProtobuf(value: unknown, key = ''): unknown {
  if (value instanceof Uint8Array) return PAYLOAD_KEYS.has(key) ? JSON.parse(new TextDecoder().decode(value)) : Array.from(value);
  if (isLong(value)) return value.toNumber();
  if (Array.isArray(value)) return value.map((item) => plainProtobuf(item));
  if (typeof value === 'object' && value !== null) {
    const fields = Object.keys(value).filter((field) => !isEmptyCollection((value as Record<string, unknown>)[field]));
    return Object.fromEntries(fields.map((field) => [field, plainProtobuf((value as Record<string, unknown>)[field], field)]));
  }
  return value;
}

/** JSON replies with proto3's defaults (false, 0, "", [], empty maps) dropped, payloads left whole: what protobuf can carry. */
export function withoutDefaults(value: unknown, key = ''): unknown {
  if (PAYLOAD_KEYS.has(key)) return value;
  if (Array.isArray(value)) return value.map((item) => withoutDefaults(item));
  // A map's entries are kept whatever their values: the key is on the wire.
  if (MAP_KEYS.has(key)) return Object.fromEntries(Object.entries(value as object).map(([entry, item]) => [entry, withoutDefaults(item)]));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(
      ([field, item]) => PAYLOAD_KEYS.has(field) || (item !== false && item !== 0 && item !== '' && !(Array.isArray(item) && item.length === 0) && !(MAP_KEYS.has(field) && isEmptyCollection(item))),
    );
    return Object.fromEntries(entries.map(([field, item]) => [field, withoutDefaults(item, field)]));
  }
  return value;
}

/** The bytes of field `number` inside a protobuf message (the first occurrence), for peeling envelopes. */
export function fieldBytes(message: Uint8Array, number: number): Uint8Array {
  const reader = protobuf.Reader.create(message);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === number && (tag & 7) === 2) return reader.bytes();
    reader.skipType(tag & 7);
  }
  throw new Error(`field ${number} not found`);
}

/** The message inside a length-delimited frame of one message. */
export function undelimited(frame: Uint8Array): Uint8Array {
  const reader = protobuf.Reader.create(frame);
  const message = reader.bytes();
  if (reader.pos !== reader.len) throw new Error('frame holds more than one message');
  return message;
}
