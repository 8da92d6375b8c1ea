import { DisconnectCodes, ErrorCodes, type DisconnectCode, type ErrorCode } from '@renum-realtime/protocol';
import type { ProxyOutcome } from '../proxy.js';

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
    /** Replaces the table's reason in the close frame, e.g. "token required: send a JWT …". */
    readonly reason: string = disconnect.reason,
    /** Why, for the log line only, where the client must not learn it (which token check failed). */
    readonly detail?: string,
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

/**
 * What a proxy answered, as the session acts on it: the result, or the back end's own error or
 * disconnect. A proxy that could not answer (the adapter throws, and logs and counts why) is a
 * temporary error: the SDK retries, and the event is never taken as allowed.
 */
export async function proxyDecision<R>(outcome: Promise<ProxyOutcome<R>>): Promise<R> {
  let answer: ProxyOutcome<R>;
  try {
    answer = await outcome;
  } catch (error) {
    throw new CommandError(ErrorCodes.internal, `proxy failed: ${(error as Error).message}`);
  }
  if ('error' in answer) throw new CommandError({ code: answer.error.code, message: answer.error.message, temporary: !!answer.error.temporary });
  if ('disconnect' in answer) {
    const { code, reason } = answer.disconnect;
    throw new DisconnectError({ code, reason, reconnect: code < 3500 || (code >= 4000 && code < 4500) }, reason);
  }
  return answer.result;
}
