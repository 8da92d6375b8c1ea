import { DisconnectCodes, ErrorCodes } from '@renum-realtime/protocol';
import { TokenError } from '../../auth/errors.js';
import { CommandError, DisconnectError } from './errors.js';

const MAX_REASON_BYTES = 123;

/**
 * Close reasons must fit a close frame (RFC 6455 §5.5: 125-byte payload, 2 for the code); longer
 * ones are cut at a UTF-8 character boundary, never inside a character.
 */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= MAX_REASON_BYTES) return text;
  let end = MAX_REASON_BYTES;
  // Continuation bytes are 10xxxxxx; back up to the first byte of the character cut in two.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}

/** Which check a token failed, for the log line: never for the client. */
export function tokenFailureDetail(error: TokenError): string {
  return `${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`;
}

/**
 * How a failed connection token ends a connect or refresh, as the SDK expects: expired → 109 so it
 * fetches a new token; a key server that cannot be reached → temporary 100 so it retries;
 * anything else → close 3500 "invalid token", which stops reconnecting. As in Centrifugo the
 * client is not told which check failed (a guessed key or audience would learn from it); the log
 * line, the admin's rejections view and `doctor --api-key` name it.
 */
export function connectionTokenFailure(error: unknown, expiredAs: 'error' | 'close'): Error {
  if (!(error instanceof TokenError)) return error instanceof Error ? error : new Error(String(error));
  if (error.code === 'token_expired') {
    return expiredAs === 'error'
      ? new CommandError(ErrorCodes.tokenExpired, error.message)
      : new DisconnectError(DisconnectCodes.connectionExpired);
  }
  if (error.code === 'jwks_unavailable') return new CommandError(ErrorCodes.internal, error.message);
  return new DisconnectError(DisconnectCodes.invalidToken, DisconnectCodes.invalidToken.reason, tokenFailureDetail(error));
}

/** Subscription tokens: expired → 109 (the SDK refreshes it), unusable → 103. */
export function subscriptionTokenFailure(error: unknown): Error {
  if (!(error instanceof TokenError)) return error instanceof Error ? error : new Error(String(error));
  if (error.code === 'token_expired') return new CommandError(ErrorCodes.tokenExpired, error.message);
  if (error.code === 'jwks_unavailable') return new CommandError(ErrorCodes.internal, error.message);
  return new CommandError(ErrorCodes.permissionDenied, `subscription token: ${tokenFailureDetail(error)}`);
}
