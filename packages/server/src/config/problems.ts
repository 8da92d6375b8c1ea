import type { z } from 'zod';
import { objectKeysAt } from './schema-walk.js';

/** Turns zod issues into `path: what is wrong (value) — how to fix` lines. */

export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '');
}

const EXPECTED: Record<string, [name: string, fix: string]> = {
  string: ['a string', 'write it in double quotes'],
  number: ['a number', 'write a number without quotes'],
  int: ['a whole number', 'write a whole number without quotes'],
  boolean: ['true or false', 'write true or false without quotes'],
  array: ['a list', 'write a JSON array, e.g. ["a", "b"]'],
  object: ['an object', 'write a JSON object { ... }'],
};

/** Per-parse error map: used for every issue whose schema has no message of its own. */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  const value = showValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const [name, fix] = EXPECTED[issue.expected] ?? [issue.expected, `use ${issue.expected}`];
      if (issue.input === undefined) return `is required — add ${name}`;
      return `expected ${name}, got ${value} — ${fix}`;
    }
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `is too short (${value}) — give at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : 'items'}`
        : `${value} is below the minimum ${String(issue.minimum)} — use a value >= ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `is too long (${value}) — give at most ${String(issue.maximum)}`
        : `${value} is above the maximum ${String(issue.maximum)} — use a value <= ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${value} is not allowed — use one of ${issue.values.map((v) => showValue(v)).join(', ')}`;
    default:
      return undefined;
  }
};

/** Flat Centrifugo v5 keys people carry over, and where v6 (and we) keep them. */
export const V5_KEYS: Record<string, string> = {
  token_hmac_secret_key: 'client.token.hmac_secret_key',
  token_rsa_public_key: 'client.token.rsa_public_key',
  token_ecdsa_public_key: 'client.token.ecdsa_public_key',
  token_jwks_public_endpoint: 'client.token.jwks_public_endpoint',
  api_key: 'http_api.key',
  api_insecure: 'http_api.insecure',
  allowed_origins: 'client.allowed_origins',
  client_insecure: 'client.insecure',
  allow_anonymous_connect_without_token: 'client.allow_anonymous_connect_without_token',
  namespaces: 'channel.namespaces',
  port: 'http_server.port',
  address: 'http_server.address',
  log_level: 'log.level',
  ping_interval: 'client.ping_interval',
  client_channel_limit: 'client.channel_limit',
  tls: 'http_server.tls.enabled',
  tls_cert: 'http_server.tls.cert_pem',
  tls_key: 'http_server.tls.key_pem',
  admin_password: 'admin.password',
  admin_secret: 'admin.secret',
  websocket_compression: 'websocket.compression',
  websocket_message_size_limit: 'websocket.message_size_limit',
  token_audience: 'client.token.audience',
  token_issuer: 'client.token.issuer',
  user_subscribe_to_personal: 'client.subscribe_to_user_personal_channel.enabled',
  client_connection_limit: 'client.connection_limit',
  client_user_connection_limit: 'client.user_connection_limit',
  client_queue_max_size: 'client.queue_max_size',
  history_meta_ttl: 'channel.without_namespace.history_meta_ttl',
};

/** Optimal string alignment distance: a swap of two neighbours counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

const squash = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    // camelCase and kebab-case spellings of a snake_case key count as exact.
    const distance = squash(candidate) === squash(key) ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function unknownKeyProblem(label: string, key: string, known: readonly string[], atRoot: boolean): string {
  const v6 = atRoot ? V5_KEYS[key] : undefined;
  if (v6) return `${label}: unknown key (a Centrifugo v5 name) — move it to ${v6}`;
  const close = closestKey(key, known);
  if (close) return `${label}: unknown key — did you mean "${close}"?`;
  return `${label}: unknown key — remove it (known keys: ${known.join(', ')})`;
}

/**
 * Every issue of a failed parse as a problem line. `label` names a path for the reader (a config
 * key, or the environment variable that set it); `schema` is the one that was parsed, used to
 * suggest known keys.
 */
export function issueProblems(
  schema: z.ZodType,
  error: z.ZodError,
  label: (path: readonly PropertyKey[]) => string,
): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [`${label(issue.path)}: ${issue.message}`];
    const known = objectKeysAt(schema, issue.path);
    const atRoot = issue.path.length === 0 || (issue.path.length === 2 && issue.path[0] === 'environments');
    return issue.keys.map((key) => unknownKeyProblem(label([...issue.path, key]), key, known, atRoot));
  });
}
