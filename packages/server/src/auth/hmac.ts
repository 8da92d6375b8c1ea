import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { TokenError } from './errors.js';
import type { CompactJws } from './jws.js';

/** RFC 7518 §3.2. */
const HASH_BY_ALG: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export const HMAC_ALGS: readonly string[] = Object.keys(HASH_BY_ALG);

/** The secrets as key objects once, so no verification copies or imports a key. */
export const hmacKeys = (secrets: readonly string[]): KeyObject[] => secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));

/**
 * Checks an HS256/384/512 signature with `node:crypto`: a synchronous HMAC of a few microseconds,
 * where WebCrypto's `subtle.verify` (what jose uses) queues a job and several promises per token,
 * the largest cost of a JWT connect in the bench's profile. Several keys during a rotation: the
 * current secret first, then the previous one.
 */
export function verifyHmac(jws: CompactJws, keys: readonly KeyObject[]): void {
  // The key ring hands out HMAC keys only for the algorithms of this table.
  const hash = HASH_BY_ALG[jws.header.alg]!;
  const signature = Buffer.from(jws.signature, 'base64url');
  for (const key of keys) {
    const expected = createHmac(hash, key).update(jws.signingInput).digest();
    if (expected.length === signature.length && timingSafeEqual(expected, signature)) return;
  }
  throw new TokenError('bad_signature', { detail: 'the signature matches no configured HMAC secret' });
}
