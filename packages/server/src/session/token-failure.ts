import { DisconnectCodes, ErrorCodes } from '@renum-realtime/protocol';
import { TokenError } from '../auth/errors.js';
import { CommandError, DisconnectError } from './errors.js';

const MAX_REASON_BYTES = 123;

/** Close reasons must fit a close frame (RFC 6455 §5.5: 125-byte payload, 2 for the code). */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > MAX_REASON_BYTES) reason = reason.slice(0, -1);
  return reason;
}

/**
 * How a failed connection token ends a connect or refresh, as the SDK expects: expired → 109 so it
 * fetches a new token; a key server that cannot be reached → temporary 100 so it retries;
 * anything else → close 3500 with the cause in the reason, which stops reconnecting.
 */
export function connectionTokenFailure(error: unknown, expiredAs: 'error' | 'close'): Error {
  if (!(error instanceof TokenError)) return error instanceof Error ? error : new Error(String(error));
  if (error.code === 'token_expired') {
    return expiredAs === 'error'
      ? new CommandError(ErrorCodes.tokenExpired, error.message)
      : new DisconnectError(DisconnectCodes.connectionExpired);
  }
  if (error.code === 'jwks_unavailable') return new CommandError(ErrorCodes.internal, error.message);
  return new DisconnectError(DisconnectCodes.invalidToken, closeReason(`invalid token: ${error.message}`));
}

/** Subscription tokens: expired → 109 (the SDK refreshes it), unusable → 103. */
export function subscriptionTokenFailure(error: unknown): Error {
  if (!(error instanceof TokenError)) return error instanceof Error ? error : new Error(String(error));
  if (error.code === 'token_expired') return new CommandError(ErrorCodes.tokenExpired, error.message);
  if (error.code === 'jwks_unavailable') return new CommandError(ErrorCodes.internal, error.message);
  return new CommandError(ErrorCodes.permissionDenied, `subscription token: ${error.message}`);
}
