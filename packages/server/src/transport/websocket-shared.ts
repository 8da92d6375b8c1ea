import { DecodeError, DisconnectCodes, PROTOBUF_SUBPROTOCOL, decodeConnectRequest } from '@renum-realtime/protocol';
import type { Connection, Disconnect, WireProtocol } from '../core/index.js';
import type { Logger } from '../log.js';

/** What both WebSocket adapters (`ws` on Node, Bun's own) share. */

/** The subprotocol the SDK's "custom WebSocket" recipe offers; `ws` aborts if it is not echoed. */
export const JSON_SUBPROTOCOL = 'centrifuge-json';

/**
 * The subprotocol to echo among those offered: protobuf when the SDK's protobuf build asks for it
 * on a bidirectional endpoint (unidirectional ones speak JSON only).
 */
export function chooseSubprotocol(offered: ReadonlySet<string>, unidirectional: boolean): string | undefined {
  if (offered.has(PROTOBUF_SUBPROTOCOL) && !unidirectional) return PROTOBUF_SUBPROTOCOL;
  return offered.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : undefined;
}

/**
 * The protocol of a bidirectional WebSocket connection: protobuf when the `centrifuge-protobuf`
 * subprotocol was agreed, or when the query says `cf_protocol=protobuf` (older clients:
 * `format=protobuf`), as centrifugal/centrifuge's handler_websocket.go reads it.
 */
export function requestedProtocol(url: URL, subprotocol: string): WireProtocol {
  if (subprotocol === PROTOBUF_SUBPROTOCOL) return 'protobuf';
  const asked = url.searchParams.get('cf_protocol') ?? url.searchParams.get('format');
  return asked === 'protobuf' ? 'protobuf' : 'json';
}

/**
 * A unidirectional WebSocket client sends its connect request once: in the `cf_connect` query
 * parameter or as its first message. Anything it sends after that is read and dropped, as
 * Centrifugo does.
 */
export function unidirectionalConnect(connection: Connection, close: (d: Disconnect) => void, text: string, log: Logger): void {
  try {
    connection.connectUnidirectional(decodeConnectRequest(text));
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    log.warn({ event: 'bad_connect_request', transport: 'uni_websocket', detail: error.reason }, 'malformed unidirectional connect request');
    close({ code: DisconnectCodes.badRequest.code, reason: DisconnectCodes.badRequest.reason });
  }
}

