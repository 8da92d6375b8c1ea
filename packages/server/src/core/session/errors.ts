import { DisconnectCodes, ErrorCodes, type DisconnectCode, type ErrorCode } from '@renum-realtime/protocol';

/** Ends one command with an error reply; the connection stays. */
export class CommandError extends Error {
  constructor(
    readonly error: ErrorCode,
    /** Why, for the log line; the client gets the table's message. */
    readonly detail?: string,
  ) {
    super(detail ?? error.message);
  }
}

/** Ends the connection with a close code. */
export class DisconnectError extends Error {
  constructor(
    readonly disconnect: DisconnectCode,
    /** Replaces the table's reason in the close frame, e.g. "invalid token: bad signature". */
    readonly reason: string = disconnect.reason,
  ) {
    super(reason);
  }
}

/** Centrifugo's defaults for a refused unidirectional connect (client.go `defaultUniErrorCodeToDisconnect`). */
const UNIDIRECTIONAL_DISCONNECTS = new Map<number, DisconnectCode>([
  [ErrorCodes.expired.code, DisconnectCodes.connectionExpired],
  [ErrorCodes.tokenExpired.code, DisconnectCodes.connectionExpired],
  [ErrorCodes.tooManyRequests.code, DisconnectCodes.tooManyRequests],
  [ErrorCodes.permissionDenied.code, DisconnectCodes.permissionDenied],
]);

/**
 * A unidirectional client cannot read an error reply, so a refused connect becomes a disconnect:
 * the command's own close, the mapped one, or an internal error (which the client retries).
 */
export function unidirectionalDisconnect(error: unknown): { disconnect: DisconnectCode; reason: string } {
  if (error instanceof DisconnectError) return { disconnect: error.disconnect, reason: error.reason };
  const mapped = error instanceof CommandError ? UNIDIRECTIONAL_DISCONNECTS.get(error.error.code) : undefined;
  const disconnect = mapped ?? DisconnectCodes.internalError;
  return { disconnect, reason: disconnect.reason };
}
