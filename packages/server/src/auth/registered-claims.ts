import { TokenError } from './errors.js';

export interface ClaimExpectations {
  audience?: string;
  issuer?: string;
}

function numericDate(claims: Record<string, unknown>, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new TokenError('bad_claims', { message: `invalid claims: ${claim}`, detail: `"${claim}" claim must be a number` });
  return value;
}

function hasAudience(aud: unknown, audience: string): boolean {
  return typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
}

/**
 * The registered claims RFC 7519 §4.1 defines and jose's `jwtVerify` checks, in its order and
 * without clock tolerance (Centrifugo has none either): `iss` and `aud` when configured, then
 * `nbf` and `exp` against `nowSeconds`.
 */
export function checkRegisteredClaims(claims: Record<string, unknown>, expected: ClaimExpectations, nowSeconds: number): void {
  const { audience, issuer } = expected;
  if (issuer && !Object.hasOwn(claims, 'iss')) throw new TokenError('bad_issuer', { detail: 'missing required "iss" claim' });
  if (audience && !Object.hasOwn(claims, 'aud')) throw new TokenError('bad_audience', { detail: 'missing required "aud" claim' });
  if (issuer && claims.iss !== issuer) throw new TokenError('bad_issuer', { detail: 'unexpected "iss" claim value' });
  if (audience && !hasAudience(claims.aud, audience)) throw new TokenError('bad_audience', { detail: 'unexpected "aud" claim value' });
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > nowSeconds) throw new TokenError('token_not_yet_valid', { detail: '"nbf" claim timestamp check failed' });
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= nowSeconds) throw new TokenError('token_expired', { detail: '"exp" claim timestamp check failed' });
}
