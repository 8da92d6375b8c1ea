import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { SubscriptionTokenConfig, TokenConfig } from '../config/types.js';
import { connectionClaims, subscriptionClaims, type ConnectionClaims, type SubscriptionClaims } from './claims.js';
import { TokenError } from './errors.js';
import type { JwksOptions } from './jwks.js';
import { verifyHmac } from './hmac.js';
import { checkCriticalHeader, decodeClaims, parseCompactJws } from './jws.js';
import { createKeyRing, type KeyRing, type KeySource } from './keys.js';
import { checkRegisteredClaims } from './registered-claims.js';

export type { ConnectionClaims, SubscriptionClaims, TokenOverride, TokenSubscription } from './claims.js';
export type { JwksOptions } from './jwks.js';

export interface TokenVerifier {
  /** Rejects with a `TokenError`. */
  verifyConnectionToken(token: string): Promise<ConnectionClaims>;
  /** Rejects with a `TokenError`; the caller compares `channel`, `user` and `client`. */
  verifySubscriptionToken(token: string): Promise<SubscriptionClaims>;
}

/** Turns jose's error codes into ours; `detail` keeps jose's wording for logs. */
function toTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  const { code, claim, message } = (error ?? {}) as { code?: unknown; claim?: unknown; message?: unknown };
  const options = { detail: typeof message === 'string' ? message : String(error), cause: error };
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new TokenError('bad_signature', options);
    case 'ERR_JWT_EXPIRED':
      return new TokenError('token_expired', options);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new TokenError('alg_not_allowed', options);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const reason = (error as { reason?: unknown }).reason;
      if (claim === 'nbf' && reason === 'check_failed') return new TokenError('token_not_yet_valid', options);
      if (claim === 'aud') return new TokenError('bad_audience', options);
      if (claim === 'iss') return new TokenError('bad_issuer', options);
      return new TokenError('bad_claims', { ...options, message: `invalid claims: ${String(claim)}` });
    }
    default:
      // JWSInvalid, JWTInvalid, unsupported `crit`, non-finite numeric dates (TypeError), …
      return new TokenError('token_malformed', options);
  }
}

function isSignatureFailure(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
}

/** RSA, ECDSA and JWKS keys: jose verifies the signature and the registered claims. */
async function verifyWithJose(token: string, source: Exclude<KeySource, { kind: 'hmac' }>, options: JWTVerifyOptions): Promise<JWTPayload> {
  switch (source.kind) {
    case 'public':
      return (await jwtVerify(token, source.key, options)).payload;
    case 'jwks':
      try {
        return (await jwtVerify(token, source.getKey, options)).payload;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
        // A token without `kid` matching several keys: jose hands out the candidates to try.
        for await (const key of error as AsyncIterable<CryptoKey>) {
          try {
            return (await jwtVerify(token, key, options)).payload;
          } catch (inner) {
            if (!isSignatureFailure(inner)) throw inner;
          }
        }
        throw new TokenError('bad_signature', { detail: 'no key of the JWKS matched the signature' });
      }
  }
}

async function verifyToken(keys: KeyRing, config: TokenConfig, token: string): Promise<JWTPayload> {
  const jws = parseCompactJws(token);
  const { alg, kid } = jws.header;
  const source = keys.select(alg, kid);
  if (source.kind === 'hmac') {
    // The common case, kept off WebCrypto: the checks jose's jwtVerify makes, synchronously.
    checkCriticalHeader(jws.header);
    verifyHmac(jws, source.keys);
    const claims = decodeClaims(jws);
    checkRegisteredClaims(claims, config, Math.floor(Date.now() / 1000));
    return claims;
  }
  // Pinning the one selected algorithm keeps jose from accepting any other for this key.
  const options: JWTVerifyOptions = { algorithms: [alg] };
  if (config.audience) options.audience = config.audience;
  if (config.issuer) options.issuer = config.issuer;
  try {
    return await verifyWithJose(token, source, options);
  } catch (error) {
    throw toTokenError(error);
  }
}

export interface TokenVerifierOptions {
  jwks?: JwksOptions;
  /**
   * Centrifugo's `client.subscription_token`: when enabled, subscription tokens are verified with
   * these keys, audience, issuer and user claim, and never with the connection token's keys.
   */
  subscriptionToken?: SubscriptionTokenConfig;
}

/** One token configuration's keys, prepared once, and its checks. */
function tokenCheck(config: TokenConfig, jwks: JwksOptions | undefined) {
  const keys = createKeyRing(config, jwks);
  return { verify: (token: string) => verifyToken(keys, config, token), userClaim: config.user_id_claim || 'sub' };
}

/**
 * Verifies Centrifugo-style connection and subscription JWTs (protocol.md §4). Keys are prepared
 * once; each call verifies afresh (no result caching), so concurrent calls share nothing mutable
 * except jose's JWKS cache.
 */
export function createTokenVerifier(config: TokenConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  const connection = tokenCheck(config, options.jwks);
  const subscription = options.subscriptionToken?.enabled ? tokenCheck(options.subscriptionToken, options.jwks) : connection;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    async verifyConnectionToken(token) {
      return connectionClaims(await connection.verify(token), connection.userClaim, now());
    },
    async verifySubscriptionToken(token) {
      return subscriptionClaims(await subscription.verify(token), subscription.userClaim, now());
    },
  };
}
