import { DecodeError, DisconnectCodes, decodeConnectRequest } from '@renum-realtime/protocol';
import type { Connection, Disconnect } from '../core/index.js';
import type { Logger } from '../log.js';

/** What both WebSocket adapters (`ws` on Node, Bun's own) share. */

/** The subprotocol the SDK's "custom WebSocket" recipe offers; `ws` aborts if it is not echoed. */
export const JSON_SUBPROTOCOL = 'centrifuge-json';

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

