import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { TokenErrorCode } from '../auth/errors.js';

/** What to change for each token error the gateway names (the cause is `TOKEN_ERRORS[code].explanation`). */
export const TOKEN_FIXES: Readonly<Record<TokenErrorCode, string>> = {
  token_missing: 'Hand the token to the client (new Centrifuge(url, { token }) or a getToken callback). An empty token usually means the backend endpoint that mints it failed, e.g. its signing secret is not set.',
  token_malformed: 'Send the bare compact JWT (header.payload.signature): no "Bearer " prefix, no quotes, not URL-encoded twice.',
  token_expired: 'Mint tokens with a longer TTL and give the client a getToken callback so the SDK fetches a new one; check the clock of the token issuer.',
  token_not_yet_valid: 'The issuer clock runs ahead: sync it (NTP), or drop nbf.',
  bad_signature: 'Sign with the key the gateway verifies with: client.token.hmac_secret_key for HS256, or the private key of rsa_public_key / ecdsa_public_key / the JWKS. Check both services read the same secret (same env var name and value).',
  alg_not_allowed: 'Sign with an algorithm that matches a configured key (HS256/384/512 for hmac_secret_key, RS*/ES* for public keys); never alg "none".',
  unknown_kid: 'Publish the signing key in the JWKS (jwks_public_endpoint), or sign with a kid the key set contains.',
  bad_audience: 'Mint the token with aud = client.token.audience of the gateway, or change that setting.',
  bad_issuer: 'Mint the token with iss = client.token.issuer of the gateway, or change that setting.',
  bad_claims: 'Check the claim named in the reason: sub must be a string, exp a number; a connection token may not carry channel.',
  no_key_configured: 'Configure client.token (hmac_secret_key, rsa_public_key, ecdsa_public_key or jwks_public_endpoint) on the gateway.',
  jwks_unavailable: 'The gateway cannot fetch its JWKS: check jwks_public_endpoint is reachable from the gateway host.',
};

export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return h % 24 ? `${Math.floor(h / 24)} days ${h % 24} h` : `${Math.floor(h / 24)} days`;
}

export interface TokenView {
  /** Header and claims, one line each; the signature is never shown. */
  details: string[];
  /** Problems visible in the token itself, before the server says anything. */
  problems: Array<{ code: TokenErrorCode; cause: string }>;
  claims?: Record<string, unknown>;
}

/** Decodes without verifying: what the token claims to be, for a human to compare with the config. */
export function describeToken(token: string | undefined, now = Date.now()): TokenView {
  if (token === undefined) return { details: ['no token given (--token / --token-command): connecting without one'], problems: [] };
  if (token.trim() === '') return { details: ['token: empty string'], problems: [{ code: 'token_missing', cause: 'the token is an empty string' }] };
  const parts = token.split('.');
  if (parts.length !== 3) {
    const hint = /^bearer\s/i.test(token) ? ' (it starts with "Bearer ")' : '';
    return { details: [`token: ${parts.length} dot-separated parts`], problems: [{ code: 'token_malformed', cause: `a JWT has 3 parts, this one has ${parts.length}${hint}` }] };
  }
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    claims = decodeJwt(token) as Record<string, unknown>;
  } catch (error) {
    return { details: [], problems: [{ code: 'token_malformed', cause: `the token does not decode: ${(error as Error).message}` }] };
  }
  const details = [`header ${JSON.stringify(header)}`, `claims ${JSON.stringify(claims)}`, `signature: ${Buffer.from(parts[2]!, 'base64url').length} bytes (not shown)`];
  const problems: TokenView['problems'] = [];
  if (header.alg === 'none') problems.push({ code: 'alg_not_allowed', cause: 'alg is "none": an unsigned token' });
  if (typeof claims.exp === 'number') {
    const left = claims.exp * 1000 - now;
    details.push(left >= 0 ? `expires in ${formatDuration(left)} (${new Date(claims.exp * 1000).toISOString()})` : `expired ${formatDuration(left)} ago (${new Date(claims.exp * 1000).toISOString()})`);
    if (left < 0) problems.push({ code: 'token_expired', cause: `exp was ${formatDuration(left)} ago (${new Date(claims.exp * 1000).toISOString()})` });
  }
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now) {
    problems.push({ code: 'token_not_yet_valid', cause: `nbf is ${formatDuration(claims.nbf * 1000 - now)} in the future` });
  }
  return { details, problems, claims };
}
