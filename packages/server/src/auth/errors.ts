export type TokenErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'bad_signature'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_audience'
  | 'bad_issuer'
  | 'bad_claims'
  | 'no_key_configured'
  | 'jwks_unavailable';

/**
 * Every token error: `message` names the failed check in one phrase, `explanation` says what it
 * means. Both are for operators (logs, the admin rejections view, `doctor`); a client is only
 * told "invalid token" (see core/session/token-failure.ts).
 */
export const TOKEN_ERRORS: Readonly<Record<TokenErrorCode, { message: string; explanation: string }>> = {
  token_missing: { message: 'token missing', explanation: 'An empty token was sent.' },
  token_malformed: { message: 'token malformed', explanation: 'Not a compact JWS (header.payload.signature) with a JSON header and a JSON object payload.' },
  token_expired: { message: 'token expired', explanation: 'The exp (or expire_at) claim is in the past; the client should fetch a new token.' },
  token_not_yet_valid: { message: 'token not yet valid', explanation: 'The nbf claim is in the future; check the clock of the token issuer.' },
  bad_signature: { message: 'signature invalid', explanation: 'The signature does not match the configured key (wrong secret, or signed by another key).' },
  alg_not_allowed: { message: 'algorithm not allowed', explanation: 'The alg header (none, or a family with no configured key) is not accepted; allowed algorithms follow the keys in client.token.' },
  unknown_kid: { message: 'unknown key id', explanation: 'No key in the JWKS matches the token kid, even after fetching the key set again.' },
  bad_audience: { message: 'audience mismatch', explanation: 'The aud claim does not contain client.token.audience.' },
  bad_issuer: { message: 'issuer mismatch', explanation: 'The iss claim is not client.token.issuer.' },
  bad_claims: { message: 'invalid claims', explanation: 'A claim has the wrong type or is not allowed in this kind of token (e.g. channel in a connection token).' },
  no_key_configured: { message: 'token verification not configured', explanation: 'client.token has no HMAC secret, public key or JWKS endpoint, so no token can be verified.' },
  jwks_unavailable: { message: 'key server unavailable', explanation: 'The JWKS endpoint could not be fetched or returned an invalid key set; the client should retry.' },
};

/** Messages may quote a claim from the token: bounded, so one token cannot flood a log line. */
const MAX_MESSAGE_BYTES = 100;

function clip(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > MAX_MESSAGE_BYTES) out = out.slice(0, -1);
  return out;
}

export class TokenError extends Error {
  override name = 'TokenError';
  readonly code: TokenErrorCode;
  /** For logs only: may name the failing check, never holds the token or a key. */
  readonly detail: string | undefined;

  constructor(code: TokenErrorCode, options: { message?: string; detail?: string; cause?: unknown } = {}) {
    super(clip(options.message ?? TOKEN_ERRORS[code].message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options.detail;
  }
}
