import { SignJWT, type JWTPayload } from 'jose';

export interface MintClaims {
  /** `sub`; "" mints an anonymous token. */
  user: string;
  /** Seconds from now until `exp` (negative mints an already expired token); no `exp` when absent. */
  ttlSeconds?: number;
  /** Server-side subscriptions of a connection token. */
  channels?: string[];
  info?: unknown;
  /** Makes it a subscription token for this channel. */
  channel?: string;
  audience?: string;
  issuer?: string;
}

/** An HS256 token the gateway accepts with `client.token.hmac_secret_key` = `secret`. */
export async function mintToken(secret: string, claims: MintClaims): Promise<string> {
  if (!secret) throw new TypeError('mintToken: secret must not be empty');
  const payload: JWTPayload = { sub: claims.user };
  if (claims.channels) payload.channels = claims.channels;
  if (claims.info !== undefined) payload.info = claims.info;
  if (claims.channel !== undefined) payload.channel = claims.channel;
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (claims.ttlSeconds !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds);
  if (claims.audience) jwt.setAudience(claims.audience);
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}
