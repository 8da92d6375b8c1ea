import type { DisconnectCode, ErrorCode } from '@renum-realtime/protocol';

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
