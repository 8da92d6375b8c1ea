/**
 * Every code Renum Realtime puts on the wire, in one place, with what the official client does
 * with it. Numbers and meanings follow the Centrifugo client protocol v2 (see ../../../README.md,
 * "Codes"), so the `centrifuge` SDK reacts to them the way it reacts to Centrifugo.
 */

export interface ErrorCode {
  readonly code: number;
  readonly message: string;
  /** A temporary error makes the SDK retry the command (or reconnect) with backoff. */
  readonly temporary: boolean;
}

/** Error replies to a command (`{"id":N,"error":{...}}`). */
export const ErrorCodes = {
  internal: { code: 100, message: 'internal server error', temporary: true },
  unauthorized: { code: 101, message: 'unauthorized', temporary: false },
  unknownChannel: { code: 102, message: 'unknown channel', temporary: false },
  permissionDenied: { code: 103, message: 'permission denied', temporary: false },
  methodNotFound: { code: 104, message: 'method not found', temporary: false },
  alreadySubscribed: { code: 105, message: 'already subscribed', temporary: false },
  limitExceeded: { code: 106, message: 'limit exceeded', temporary: false },
  badRequest: { code: 107, message: 'bad request', temporary: false },
  notAvailable: { code: 108, message: 'not available', temporary: false },
  tokenExpired: { code: 109, message: 'token expired', temporary: false },
  expired: { code: 110, message: 'expired', temporary: false },
  tooManyRequests: { code: 111, message: 'too many requests', temporary: true },
  unrecoverablePosition: { code: 112, message: 'unrecoverable position', temporary: false },
} as const satisfies Record<string, ErrorCode>;

export type ErrorCodeName = keyof typeof ErrorCodes;

export interface DisconnectCode {
  readonly code: number;
  readonly reason: string;
  /** What the SDK does after this close: reconnect with backoff, or stop for good. */
  readonly reconnect: boolean;
}

/**
 * WebSocket close codes the gateway sends. The SDK reconnects on 3000–3499 and 4000–4499 and
 * stops on 3500–3999 and 4500–4999; 1009 also stops it. Reasons stay under the 123-byte limit of
 * a close frame (RFC 6455 §5.5).
 */
export const DisconnectCodes = {
  shutdown: { code: 3001, reason: 'shutdown', reconnect: true },
  internalError: { code: 3004, reason: 'internal server error', reconnect: true },
  connectionExpired: { code: 3005, reason: 'connection expired', reconnect: true },
  subscriptionExpired: { code: 3006, reason: 'subscription expired', reconnect: true },
  slow: { code: 3008, reason: 'slow', reconnect: true },
  writeError: { code: 3009, reason: 'write error', reconnect: true },
  insufficientState: { code: 3010, reason: 'insufficient state', reconnect: true },
  forceReconnect: { code: 3011, reason: 'force reconnect', reconnect: true },
  noPong: { code: 3012, reason: 'no pong', reconnect: true },
  tooManyRequests: { code: 3013, reason: 'too many requests', reconnect: true },
  invalidToken: { code: 3500, reason: 'invalid token', reconnect: false },
  badRequest: { code: 3501, reason: 'bad request', reconnect: false },
  tokenMissing: { code: 3501, reason: 'token required', reconnect: false },
  stale: { code: 3502, reason: 'stale', reconnect: false },
  forceDisconnect: { code: 3503, reason: 'force disconnect', reconnect: false },
  connectionLimit: { code: 3504, reason: 'connection limit', reconnect: false },
  permissionDenied: { code: 3507, reason: 'permission denied', reconnect: false },
  notAvailable: { code: 3508, reason: 'not available', reconnect: false },
  tooManyErrors: { code: 3509, reason: 'too many errors', reconnect: false },
  idleTimeout: { code: 4500, reason: 'idle timeout', reconnect: false },
  /** Sent by the socket layer itself (RFC 6455 §7.4.1); the SDK treats it as terminal. */
  messageTooBig: { code: 1009, reason: 'message too big', reconnect: false },
} as const satisfies Record<string, DisconnectCode>;

export type DisconnectCodeName = keyof typeof DisconnectCodes;

/** Codes of the `unsubscribe` push: below 2500 the SDK stays unsubscribed, from 2500 it resubscribes. */
export const UnsubscribeCodes = {
  serverUnsubscribe: { code: 2000, reason: 'server unsubscribe', reconnect: false },
  insufficientState: { code: 2500, reason: 'insufficient state', reconnect: true },
  subscriptionExpired: { code: 2501, reason: 'subscription expired', reconnect: true },
} as const satisfies Record<string, DisconnectCode>;

export type UnsubscribeCodeName = keyof typeof UnsubscribeCodes;

/** Whether the official client reconnects after a close with this code (src/centrifuge.ts). */
export function clientReconnectsAfter(code: number): boolean {
  if (code === 1009) return false;
  if (code >= 3500 && code < 4000) return false;
  if (code >= 4500 && code < 5000) return false;
  return true;
}

export interface ApiErrorCode {
  readonly code: number;
  readonly message: string;
  /** HTTP status used in transport error mode (`X-Centrifugo-Error-Mode: transport`). */
  readonly status: number;
}

/** Errors of the server HTTP API, answered as `{"error":{"code","message"}}` (Centrifugo v6). */
export const ApiErrorCodes = {
  internal: { code: 100, message: 'internal server error', status: 500 },
  unauthorized: { code: 101, message: 'unauthorized', status: 401 },
  unknownChannel: { code: 102, message: 'unknown channel', status: 404 },
  permissionDenied: { code: 103, message: 'permission denied', status: 403 },
  notFound: { code: 104, message: 'not found', status: 404 },
  badRequest: { code: 107, message: 'bad request', status: 400 },
  notAvailable: { code: 108, message: 'not available', status: 400 },
  unrecoverablePosition: { code: 112, message: 'unrecoverable position', status: 416 },
  payloadTooLarge: { code: 114, message: 'request body too large', status: 413 },
  methodNotAllowed: { code: 115, message: 'method not allowed', status: 405 },
  temporarilyUnavailable: { code: 116, message: 'temporarily unavailable', status: 503 },
  tooManyRequests: { code: 111, message: 'too many requests', status: 429 },
} as const satisfies Record<string, ApiErrorCode>;

export type ApiErrorCodeName = keyof typeof ApiErrorCodes;
