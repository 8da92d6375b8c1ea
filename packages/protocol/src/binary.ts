import protobuf from 'protobufjs/minimal.js';
import type { JsonValue } from './types.js';

/**
 * Binary payloads: the server API's `b64data`, and a protobuf client's publish of bytes that are
 * not UTF-8 JSON, which Centrifugo passes through untouched. A publication keeps them as base64 in
 * `data` with `binary: true`, so it stays plain JSON wherever it is stored or forwarded (history,
 * Redis, the control bus), and each codec writes it its own way:
 *
 * - protobuf clients get the bytes themselves;
 * - JSON clients get the bytes embedded when they are UTF-8 JSON text (as Centrifugo embeds them),
 *   else their base64 as a JSON string (Centrifugo would write bytes that break the frame).
 */

const { base64 } = protobuf.util;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as Centrifugo's API reads `b64data` (Go's `base64.StdEncoding`). */
export function isBase64(text: string): boolean {
  return STRICT_BASE64.test(text);
}

export function bytesToBase64(bytes: Uint8Array): string {
  return base64.encode(bytes, 0, bytes.length);
}

export function base64ToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(base64.length(text));
  base64.decode(text, bytes, 0);
  return bytes;
}

/** The payload as JSON text when the bytes are UTF-8 JSON, else undefined. */
function jsonText(bytes: Uint8Array): string | undefined {
  try {
    const text = utf8.decode(bytes);
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}

/** What a JSON client receives in place of binary data (see above). */
export function jsonClientData(base64Data: string): JsonValue {
  const text = jsonText(base64ToBytes(base64Data));
  return text === undefined ? base64Data : JSON.parse(text);
}

/** Data that may be binary: with `binary`, `data` is the base64 of the bytes. */
export interface DataPayload {
  data?: JsonValue;
  binary?: boolean;
}

/** A publication, a result or a push as a JSON client reads it: binary data as `jsonClientData`, no `binary` flag. */
export function forJsonClient<T extends DataPayload>(payload: T): T {
  if (payload.binary !== true) return payload;
  const { binary: _binary, ...rest } = payload;
  return { ...rest, data: jsonClientData(payload.data as string) } as T;
}
