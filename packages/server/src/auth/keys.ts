import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import type { TokenConfig } from '../config/types.js';
import { TokenError } from './errors.js';
import { HMAC_ALGS, hmacKeys } from './hmac.js';
import { type JwksOptions, remoteKeys } from './jwks.js';

/** Where the key for one token comes from, chosen by the token's `alg` (and `kid`). */
export type KeySource =
  | { kind: 'hmac'; keys: readonly KeyObject[] }
  | { kind: 'public'; key: KeyObject }
  | { kind: 'jwks'; getKey: JWTVerifyGetKey };

export interface KeyRing {
  /** Every algorithm some configured key can verify; anything else is `alg_not_allowed`. */
  readonly algorithms: ReadonlySet<string>;
  select(alg: string, kid: string | undefined): KeySource;
}

const RSA_ALGS = ['RS256', 'RS384', 'RS512'];
const ECDSA_ALGS = ['ES256', 'ES384', 'ES512'];
/** Centrifugo accepts these from a JWKS (token_verifier_jwt.go); Ed25519 is EdDSA's RFC 9864 name. */
const JWKS_ALGS = [...RSA_ALGS, ...ECDSA_ALGS, 'EdDSA', 'Ed25519'];

/** An ECDSA key verifies exactly one ES algorithm (RFC 7518 §3.4). */
const ECDSA_ALG_BY_CURVE: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** Accepts SPKI, PKCS#1 and X.509 certificate PEM, as Centrifugo does. */
function publicKey(pem: string, type: 'rsa' | 'ec', option: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new TypeError(`${option}: not a PEM public key or certificate`, { cause });
  }
  if (key.asymmetricKeyType !== type) {
    throw new TypeError(`${option}: expected an ${type.toUpperCase()} key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/**
 * The configured keys, each tied to the algorithms it may verify, so that a token can never
 * choose how its own key is used (an HS256 token is only ever checked against the HMAC secrets,
 * never against a public key PEM used as a secret).
 */
export function createKeyRing(config: TokenConfig, jwks: JwksOptions = {}): KeyRing {
  const secrets = hmacKeys([config.hmac_secret_key, config.hmac_previous_secret_key].filter((secret): secret is string => !!secret));
  const rsa = config.rsa_public_key ? publicKey(config.rsa_public_key, 'rsa', 'client.token.rsa_public_key') : undefined;
  const ecdsa = config.ecdsa_public_key ? publicKey(config.ecdsa_public_key, 'ec', 'client.token.ecdsa_public_key') : undefined;
  const ecdsaAlg = ecdsa ? ECDSA_ALG_BY_CURVE[ecdsa.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (ecdsa && !ecdsaAlg) throw new TypeError('client.token.ecdsa_public_key: curve must be P-256, P-384 or P-521');
  const getKey = config.jwks_public_endpoint ? remoteKeys(config.jwks_public_endpoint, jwks) : undefined;

  const algorithms = new Set<string>([
    ...(secrets.length > 0 ? HMAC_ALGS : []),
    ...(rsa ? RSA_ALGS : []),
    ...(ecdsaAlg ? [ecdsaAlg] : []),
    ...(getKey ? JWKS_ALGS : []),
  ]);

  function select(alg: string, kid: string | undefined): KeySource {
    if (algorithms.size === 0) throw new TokenError('no_key_configured');
    if (!algorithms.has(alg)) throw new TokenError('alg_not_allowed', { detail: `alg ${JSON.stringify(alg)}; allowed: ${[...algorithms].join(', ')}` });
    if (HMAC_ALGS.includes(alg)) return { kind: 'hmac', keys: secrets };
    // With both a PEM and a JWKS configured, a token naming a kid is meant for the JWKS.
    const preferJwks = getKey !== undefined && kid !== undefined;
    if (rsa && RSA_ALGS.includes(alg) && !preferJwks) return { kind: 'public', key: rsa };
    if (ecdsa && alg === ecdsaAlg && !preferJwks) return { kind: 'public', key: ecdsa };
    if (getKey) return { kind: 'jwks', getKey };
    throw new TokenError('alg_not_allowed', { detail: `alg ${JSON.stringify(alg)}` });
  }

  return { algorithms, select };
}
