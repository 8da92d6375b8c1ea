import type { DataPayload } from '@renum-realtime/protocol';
import type { SessionState as Session } from './context.js';

/**
 * A command's data as the back end gets it. Only the protobuf decoder marks data as binary: a JSON
 * client cannot claim bytes it did not send.
 */
export function clientData(session: Session, request: DataPayload): DataPayload {
  if (request.data === undefined) return {};
  return request.binary === true && session.codec.protocol === 'protobuf' ? { data: request.data, binary: true } : { data: request.data };
}

/** The data of an answer or of claims, its `binary` flag with it, or undefined when there is none. */
export function dataOf(source: DataPayload | undefined): DataPayload | undefined {
  if (source?.data === undefined) return undefined;
  return source.binary === true ? { data: source.data, binary: true } : { data: source.data };
}

/** Sets a result's data, with its `binary` flag, when there is data. */
export function setData(result: DataPayload, payload: DataPayload | undefined): void {
  if (payload?.data === undefined) return;
  result.data = payload.data;
  if (payload.binary === true) result.binary = true;
}
