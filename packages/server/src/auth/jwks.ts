import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { TokenError } from './errors.js';

export interface JwksOptions {
  /** ms after a refetch that looked for a kid before that kid may trigger another (30 s). */
  kidRefetchMs?: number;
  /** ms between two refetches at the least, whatever the kids (1 s): random kids cannot flood the endpoint. */
  refetchIntervalMs?: number;
  /** ms one fetch may take (1 s); a failed fetch is tried once more, still under the SDK's 5 s connect timeout. */
  timeoutMs?: number;
  /** ms the fetched set is trusted before it is fetched again (jose default 10 min). */
  cacheMaxAgeMs?: number;
}

/** How many kids remember their last refetch; the oldest are forgotten first. */
const REMEMBERED_KIDS = 1000;
/** jose never refetches by itself on an unknown kid: the rules below decide when. */
const NEVER = Number.MAX_SAFE_INTEGER;

const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;
const isNoMatchingKey = (error: unknown): boolean => codeOf(error) === 'ERR_JWKS_NO_MATCHING_KEY';

async function withOneRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (isNoMatchingKey(error) || codeOf(error) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
    return attempt();
  }
}

/**
 * Keys from a JWKS endpoint. A token signed with a kid the cached set lacks triggers a refetch at
 * once, so a key rotation never locks users out: concurrent tokens with that kid wait for the same
 * refetch, the same kid refetches again only after `kidRefetchMs`, and any refetch waits
 * `refetchIntervalMs` after the last. A token that cannot be checked yet gets a temporary
 * `jwks_unavailable` (the SDK retries); `unknown_kid` means a fresh set really lacks the kid.
 */
export function remoteKeys(endpoint: string, options: JwksOptions = {}): JWTVerifyGetKey {
  const kidRefetchMs = options.kidRefetchMs ?? 30_000;
  const refetchIntervalMs = options.refetchIntervalMs ?? 1_000;
  const remote = createRemoteJWKSet(new URL(endpoint), {
    cooldownDuration: NEVER,
    timeoutDuration: options.timeoutMs ?? 1_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  });
  const unavailable = (error: unknown): TokenError => {
    const reason = error instanceof Error ? error.message : String(error);
    return new TokenError('jwks_unavailable', { detail: `${endpoint}: ${reason}`, cause: error });
  };
  const unknownKid = (kid: string | undefined, cause: unknown): TokenError =>
    new TokenError('unknown_kid', { detail: `kid ${JSON.stringify(kid)} not in ${endpoint}`, cause });

  let lastRefetch = -Infinity;
  let pending: Promise<void> | undefined;
  const refetch = (): Promise<void> => {
    pending ??= withOneRetry(() => remote.reload()).finally(() => {
      lastRefetch = Date.now();
      pending = undefined;
    });
    return pending;
  };
  const kidChecks = new Map<string, { at: number; done: Promise<void> }>();
  const checkFor = (kid: string): Promise<void> | undefined => {
    const now = Date.now();
    const earlier = kidChecks.get(kid);
    if (earlier && now - earlier.at < kidRefetchMs) return earlier.done;
    if (!pending && now - lastRefetch < refetchIntervalMs) return undefined;
    const done = refetch();
    // A failed refetch proves nothing about the kid: the next token may try again.
    done.catch(() => kidChecks.get(kid)?.done === done && kidChecks.delete(kid));
    kidChecks.delete(kid);
    kidChecks.set(kid, { at: now, done });
    if (kidChecks.size > REMEMBERED_KIDS) kidChecks.delete(kidChecks.keys().next().value!);
    return done;
  };

  return async (header, token) => {
    try {
      return await withOneRetry(() => remote(header, token));
    } catch (error) {
      // The verifier tries each candidate itself (jose leaves that to the caller).
      if (codeOf(error) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
      if (!isNoMatchingKey(error)) throw unavailable(error);
      const check = checkFor(header.kid ?? '');
      if (!check) throw unavailable(new Error(`kid ${JSON.stringify(header.kid)} unknown; the key set was fetched under ${refetchIntervalMs} ms ago, retry`));
      try {
        await check;
      } catch (fetchError) {
        throw unavailable(fetchError);
      }
      try {
        return await remote(header, token);
      } catch (again) {
        if (codeOf(again) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw again;
        throw isNoMatchingKey(again) ? unknownKid(header.kid, again) : unavailable(again);
      }
    }
  };
}
