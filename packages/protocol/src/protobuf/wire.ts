import protobuf from 'protobufjs/minimal.js';
import { base64ToBytes } from '../binary.js';
import { DecodeError } from '../codec.js';
import type { FieldType, MessageSchema, ScalarType } from './schema.js';

/**
 * Reads and writes the messages of `schema.ts` with protobufjs' wire reader and writer (varints,
 * 64-bit integers, nested lengths). Decoding is strict where protobufjs' own decoders are lenient:
 * a known field with the wrong wire type, a nested message running past its parent, a string that
 * is not UTF-8 or an integer past 2^53 is a `DecodeError`, never a silently garbled value.
 */

export type Reader = protobuf.Reader;
export type Writer = protobuf.Writer;

const VARINT = 0;
const LEN = 2;

/** What a decode found besides the fields: the bytes of a payload that is not JSON (a command has one payload, its `data`). */
export interface DecodeContext {
  binaryBytes?: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const isVarint = (type: FieldType): boolean => typeof type === 'string' && type !== 'string' && type !== 'bytes' && type !== 'payload';

const tag = (number: number, wireType: number): number => ((number << 3) | wireType) >>> 0;

/** Runs a decode, turning whatever protobufjs throws on bad bytes (RangeError, Error) into a DecodeError. */
export function decoding<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed protobuf: ${(error as Error).message}`);
  }
}

export function createReader(bytes: Uint8Array): Reader {
  return protobuf.Reader.create(bytes);
}

/** Reads a length prefix and checks that what it announces fits inside `end`. */
export function readLength(reader: Reader, end: number, where: string): number {
  const length = reader.uint32();
  const nestedEnd = reader.pos + length;
  if (nestedEnd > end) throw new DecodeError(`${where} is truncated`);
  return nestedEnd;
}

export function readMessage(reader: Reader, end: number, schema: MessageSchema, context: DecodeContext, path: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    const number = fieldTag >>> 3;
    const wireType = fieldTag & 7;
    if (number === 0) throw new DecodeError(`${path || schema.name}: field number 0`);
    const field = schema.byNumber.get(number);
    if (field === undefined) {
      reader.skipType(wireType);
      continue;
    }
    const where = path === '' ? field.key : `${path}.${field.key}`;
    const expected = isVarint(field.type) ? VARINT : LEN;
    if (wireType !== expected) throw new DecodeError(`${where}: wire type ${wireType}, expected ${expected}`);
    const value = readValue(reader, end, field.type, fields[field.key], context, where);
    // `defineProperty`, not assignment: a map key "__proto__" is a key like any other.
    if (value !== undefined) Object.defineProperty(fields, field.key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (reader.pos !== end) throw new DecodeError(`${path || schema.name} runs past its length`);
  return fields;
}

function readValue(reader: Reader, end: number, type: FieldType, previous: unknown, context: DecodeContext, where: string): unknown {
  if (typeof type === 'string') return readScalar(reader, type, context, where);
  const nestedEnd = readLength(reader, end, where);
  if ('message' in type) return readMessage(reader, nestedEnd, type.message, context, where);
  if ('repeated' in type) return [...((previous as unknown[] | undefined) ?? []), readMessage(reader, nestedEnd, type.repeated, context, where)];
  const entry = readMessage(reader, nestedEnd, type.map, context, where);
  const map = (previous as Record<string, unknown> | undefined) ?? {};
  const valueType = type.map.byNumber.get(2)?.type;
  const value = entry.value ?? (typeof valueType === 'object' ? {} : '');
  Object.defineProperty(map, (entry.key as string | undefined) ?? '', { value, enumerable: true, writable: true, configurable: true });
  return map;
}

function readScalar(reader: Reader, type: ScalarType, context: DecodeContext, where: string): unknown {
  switch (type) {
    case 'string':
      return readUtf8(reader.bytes(), where);
    case 'bool':
      return reader.bool();
    case 'uint32':
      return reader.uint32();
    case 'int32':
      return reader.int32();
    case 'uint64':
      return safeInteger(reader.uint64(), where);
    case 'int64':
      return safeInteger(reader.int64(), where);
    case 'bytes':
      return reader.bytes();
    case 'payload':
      return readPayload(reader.bytes(), context);
  }
}

function readUtf8(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DecodeError(`${where} is not UTF-8`);
  }
}

/**
 * A payload is JSON text on our side. Empty bytes are proto3's "not set"; bytes that are not
 * UTF-8 JSON are noted in the context, for the command to carry as binary data.
 */
function readPayload(bytes: Uint8Array, context: DecodeContext): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    context.binaryBytes = bytes;
    return undefined;
  }
}

/** 64-bit integers come back as `Long` (or a number without the `long` package); ours are safe integers. */
function safeInteger(value: protobuf.Long | number, where: string): number {
  const number = typeof value === 'number' ? value : (value.unsigned ? value.high >>> 0 : value.high) * 2 ** 32 + (value.low >>> 0);
  if (!Number.isSafeInteger(number)) throw new DecodeError(`${where} is beyond 2^53`);
  return number;
}

export function writeMessage(writer: Writer, schema: MessageSchema, value: Readonly<Record<string, unknown>>): void {
  // A publication with binary data holds it as base64 (binary.ts): the client gets the bytes.
  const binary = value.binary === true;
  for (const field of schema.fields) {
    const fieldValue = value[field.key];
    // JSON `null` is a payload like any other; elsewhere it means "not set".
    if (fieldValue === undefined || (fieldValue === null && field.type !== 'payload')) continue;
    if (binary && field.type === 'payload' && typeof fieldValue === 'string') writePayload(writer, field.number, base64ToBytes(fieldValue));
    else writeField(writer, field.number, field.type, fieldValue);
  }
}

/** A nested message, written even when empty: the SDK reads a reply's result by its presence. */
export function writeNested(writer: Writer, number: number, schema: MessageSchema, value: Readonly<Record<string, unknown>>): void {
  writer.uint32(tag(number, LEN)).fork();
  writeMessage(writer, schema, value);
  writer.ldelim();
}

function writeField(writer: Writer, number: number, type: FieldType, value: unknown): void {
  if (typeof type === 'string') return writeScalar(writer, number, type, value);
  if ('message' in type) return writeNested(writer, number, type.message, value as Record<string, unknown>);
  if ('repeated' in type) {
    for (const item of value as readonly Record<string, unknown>[]) writeNested(writer, number, type.repeated, item);
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) writeNested(writer, number, type.map, { key, value: item });
}

/** proto3 leaves default values (0, false, "", empty bytes) off the wire, as Centrifugo's Go encoder does. */
export function writeScalar(writer: Writer, number: number, type: ScalarType, value: unknown): void {
  switch (type) {
    case 'string':
      if (value !== '') writer.uint32(tag(number, LEN)).string(value as string);
      return;
    case 'bool':
      if (value) writer.uint32(tag(number, VARINT)).bool(true);
      return;
    case 'uint32':
    case 'int32':
    case 'uint64':
    case 'int64':
      if (value !== 0) writer.uint32(tag(number, VARINT))[type](value as number);
      return;
    case 'bytes':
      if ((value as Uint8Array).length > 0) writer.uint32(tag(number, LEN)).bytes(value as Uint8Array);
      return;
    case 'payload':
      writePayload(writer, number, value);
  }
}

/**
 * A JSON value goes out as its JSON text. A payload that is already bytes (a fossil delta, or a
 * publication encoded once for a whole fan-out) goes out as it is: JSON values are never bytes.
 */
function writePayload(writer: Writer, number: number, value: unknown): void {
  if (value instanceof Uint8Array) {
    if (value.length > 0) writer.uint32(tag(number, LEN)).bytes(value);
    return;
  }
  const text = JSON.stringify(value) as string | undefined;
  // `string` writes the UTF-8 bytes with their length: the same wire form as `bytes`, one copy less.
  if (text !== undefined) writer.uint32(tag(number, LEN)).string(text);
}

/** One length-delimited message, as the SDK's `decodeDelimited` loop and http_stream expect. */
export function delimited(write: (writer: Writer) => void): Uint8Array {
  const writer = protobuf.Writer.create();
  writer.fork();
  write(writer);
  writer.ldelim();
  return writer.finish();
}
