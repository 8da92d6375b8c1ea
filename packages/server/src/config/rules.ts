import { redisShards } from '../broker/redis-address.js';
import { isInsecureOrigin, isMatchAllPattern } from '../policy/origin.js';
import { showValue } from './problems.js';
import type { ParsedConfig } from './schema.js';
import { tlsCredentials } from './tls.js';
import type { Environment, TokenConfig } from './types.js';

/** Rules that look at more than one key or at the profile; run on the merged config. */

type MergedConfig = ParsedConfig & { client: { allowed_origins: string[] } };

export function hasTokenKey(token: Partial<TokenConfig>): boolean {
  return Boolean(token.hmac_secret_key || token.rsa_public_key || token.ecdsa_public_key || token.jwks_public_endpoint);
}

export function crossFieldProblems(config: MergedConfig, environment: Environment, cwd: string): string[] {
  return [
    ...keyStrengthProblems(config, environment),
    ...originProblems(config, environment),
    ...clientProblems(config, environment),
    ...httpApiProblems(config, environment),
    ...engineProblems(config),
    ...tlsProblems(config, cwd),
  ];
}

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 32 bytes. */
const MIN_HMAC_BYTES = 32;

/** Outside `local`, a short HMAC secret is refused: it can be guessed offline from any one token. */
function keyStrengthProblems(config: MergedConfig, environment: Environment): string[] {
  if (environment === 'local') return [];
  const problems: string[] = [];
  const secrets: Array<[string, string | undefined]> = [
    ['client.token.hmac_secret_key', config.client.token.hmac_secret_key],
    ['client.token.hmac_previous_secret_key', config.client.token.hmac_previous_secret_key],
    ['client.subscription_token.hmac_secret_key', config.client.subscription_token.hmac_secret_key],
  ];
  for (const [key, secret] of secrets) {
    if (secret !== undefined && secret !== '' && Buffer.byteLength(secret) < MIN_HMAC_BYTES) {
      problems.push(`${key}: ${Buffer.byteLength(secret)} bytes is too short in the ${environment} profile — use at least ${MIN_HMAC_BYTES} random bytes (openssl rand -base64 32)`);
    }
  }
  if (environment === 'production' && config.client.allowed_origins.length === 0 && !config.client.allow_anonymous_connect_without_token) {
    problems.push('client.allowed_origins: empty in the production profile, so every browser would be refused — list your front end\'s origins, e.g. ["https://app.example.com"] (REALTIME_ALLOWED_ORIGINS)');
  }
  return problems;
}

function tlsProblems(config: MergedConfig, cwd: string): string[] {
  if (!config.http_server.tls.enabled) return [];
  const credentials = tlsCredentials(config.http_server.tls, cwd);
  return 'problems' in credentials ? credentials.problems : [];
}

function engineProblems(config: MergedConfig): string[] {
  let shards: number;
  try {
    shards = redisShards(config.engine.redis).length;
  } catch (error) {
    return [(error as Error).message];
  }
  if (config.engine.type !== 'redis' || shards > 0) return [];
  return ['engine.redis.address: required when engine.type is "redis" — set it (or REALTIME_REDIS_URL) to redis://host:6379, or set engine.redis.cluster_address or sentinel_address'];
}

function originProblems(config: MergedConfig, environment: Environment): string[] {
  const problems: string[] = [];
  const unsafeAllowed = environment !== 'production' || config.client.allow_unsafe_origins;
  config.client.allowed_origins.forEach((pattern, index) => {
    const at = `client.allowed_origins[${index}]: ${showValue(pattern)}`;
    const shape = originShapeProblem(pattern);
    if (shape) {
      problems.push(`${at} ${shape}`);
    } else if (!unsafeAllowed && isMatchAllPattern(pattern)) {
      problems.push(`${at} allows every host in the production profile — list your origins (e.g. "https://app.example.com") or set client.allow_unsafe_origins: true`);
    } else if (!unsafeAllowed && isInsecureOrigin(pattern)) {
      problems.push(`${at} is not https in the production profile — use https:// or set client.allow_unsafe_origins: true`);
    }
  });
  return problems;
}

/** Browsers send `scheme://host[:port]` or `null`; a pattern of another shape never matches. */
function originShapeProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty — remove it';
  if (pattern.toLowerCase() === 'null') return undefined;
  const separator = pattern.indexOf('://');
  if (separator < 0) {
    return pattern.includes('*') ? undefined : `has no scheme, so no Origin can match it — write "https://${pattern}"`;
  }
  const cut = pattern.slice(separator + 3).search(/[/?#]/);
  if (cut >= 0) {
    return `has a path, but an Origin is only scheme://host[:port] — write ${showValue(pattern.slice(0, separator + 3 + cut))}`;
  }
  return undefined;
}

function clientProblems(config: MergedConfig, environment: Environment): string[] {
  const problems: string[] = [];
  if (environment === 'production' && config.client.insecure) {
    problems.push('client.insecure: true is refused in the production profile (it turns off permission checks) — remove it');
  }
  if (environment !== 'local' && !hasTokenKey(config.client.token) && !config.client.allow_anonymous_connect_without_token) {
    problems.push(
      `client.token: no token key in the ${environment} profile — set client.token.hmac_secret_key (REALTIME_TOKEN_SECRET), ` +
        'rsa_public_key, ecdsa_public_key or jwks_public_endpoint, or set client.allow_anonymous_connect_without_token: true',
    );
  }
  const { ping_interval: ping, pong_timeout: pong } = config.client;
  // Centrifugo refuses it too: a pong that may come after the next ping is due leaves two pings
  // outstanding, and the second answer is then a protocol violation (3501).
  if (ping > 0 && pong >= ping) {
    problems.push(`client.pong_timeout: ${pong / 1000}s is not shorter than client.ping_interval (${ping / 1000}s) — make it shorter, e.g. a third of it`);
  }
  const personal = config.client.subscribe_to_user_personal_channel;
  if (personal.enabled && personal.personal_channel_namespace !== '' && !config.channel.namespaces?.some((ns) => ns.name === personal.personal_channel_namespace)) {
    problems.push(
      `client.subscribe_to_user_personal_channel.personal_channel_namespace: ${showValue(personal.personal_channel_namespace)} is not in channel.namespaces — add that namespace, or set "" for channels without a namespace`,
    );
  }
  const subscription = config.client.subscription_token;
  if (subscription.enabled && !hasTokenKey(subscription)) {
    problems.push(
      'client.subscription_token: enabled without a key — set its hmac_secret_key, rsa_public_key, ecdsa_public_key or jwks_public_endpoint, or set enabled: false to verify subscription tokens with client.token',
    );
  }
  return problems;
}

function httpApiProblems(config: MergedConfig, environment: Environment): string[] {
  const problems: string[] = [];
  if (environment === 'production' && config.http_api.insecure) {
    problems.push('http_api.insecure: true is refused in the production profile — remove it and set http_api.key (REALTIME_API_KEY)');
  } else if (environment !== 'local' && config.http_api.key === '' && !config.http_api.insecure) {
    const orInsecure = environment === 'staging' ? ', or set http_api.insecure: true' : '';
    problems.push(`http_api.key: empty in the ${environment} profile — set http_api.key (REALTIME_API_KEY)${orInsecure}`);
  }
  return problems;
}
