import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { trustedProxyProblem } from '../http/client-address.js';
import { parseDuration } from './duration.js';
import { showValue } from './problems.js';
import { overlayOf } from './schema-walk.js';
import type { Environment } from './types.js';

/**
 * The JSON config file, with Centrifugo v6 key names. Every key is optional; `configSchema` fills
 * in the defaults of a small deployment, `overlaySchema` (no defaults) validates an
 * `environments.<name>` section and `REALTIME_*` variables before they are merged over it.
 */

const NAMESPACE_NAME = /^[-a-zA-Z0-9_.]+$/;

/** One `engine.redis.address` entry, in any form centrifuge's `optionsFromAddress` reads. */
const redisAddress = z
  .string()
  .regex(/^(rediss?(\+cluster|\+sentinel)?:\/\/|[^:/\s]+:\d+)/, { error: 'must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL or host:port, e.g. redis://127.0.0.1:6379/0' });


/**
 * A Go duration string. Centrifugo also reads a JSON number as nanoseconds; `centrifugoForms`
 * turns such a number into a string before parsing, so a bare number reaching this schema is one
 * too small to be meant (under a millisecond): `25` is refused with the unit to add.
 */
export const durationText = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `a duration needs a unit (${issue.input}) — write it as a string, e.g. "${issue.input}s" or "${issue.input}ms" (Centrifugo would read ${issue.input} as nanoseconds)`
        : undefined,
  })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: `not a duration (${showValue(text)}) — write e.g. "25s", "5m", "1h30m" or "500ms"`,
    });
    return z.NEVER;
  });

function duration(fallback: string, description?: string) {
  const schema = durationText.default(parseDuration(fallback) ?? 0);
  return description ? schema.describe(description) : schema;
}

const flag = (fallback = false) => z.boolean().default(fallback);
const count = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number().int().min(0).max(max).default(fallback);

const urlPath = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      if (!value.startsWith('/')) {
        ctx.addIssue({ code: 'custom', message: `must start with "/" (${showValue(value)}) — write e.g. "/${value}"` });
      }
    })
    .default(fallback);

const compilingRegex = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `does not compile (${showValue(value)}): ${(err as Error).message} — fix the regular expression`,
    });
  }
});

/** Env vars often carry PEM keys on one line with literal `\n`; accept that form too. */
function publicKey(type: 'rsa' | 'ec', description: string) {
  return z
    .string()
    .transform((value) => value.replace(/\\n/g, '\n'))
    .superRefine((pem, ctx) => {
      // createPublicKey derives a public key from a private one: a private key here is a leaked secret.
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
        ctx.addIssue({ code: 'custom', message: 'is a private key — give the public key ("-----BEGIN PUBLIC KEY-----"; openssl pkey -in key.pem -pubout), and keep the private one where tokens are signed' });
        return;
      }
      try {
        const key = createPublicKey(pem);
        const kind = key.asymmetricKeyType ?? '';
        if (type === 'rsa' ? !kind.startsWith('rsa') : kind !== 'ec') {
          ctx.addIssue({ code: 'custom', message: `is a ${kind} key, not ${type === 'rsa' ? 'RSA' : 'ECDSA'} — use the matching key field` });
        }
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `is not a PEM public key (${(err as Error).message}) — paste the whole "-----BEGIN PUBLIC KEY-----" block`,
        });
      }
    })
    .optional()
    .describe(description);
}

const httpUrl = z.string().superRefine((value, ctx) => {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `is not an http(s) URL (${showValue(value)}) — write e.g. "https://auth.example.com/.well-known/jwks.json"` });
  }
});

/**
 * Event proxies, after Centrifugo v6 ("Proxy events to the backend"): one HTTP endpoint per
 * event, with the same keys. `max_concurrency` is ours: requests beyond it wait, and past a queue
 * as long again they fail at once with a temporary error instead of piling up.
 */
const proxyShape = {
  endpoint: httpUrl.optional().describe('where the gateway POSTs the event, e.g. http://backend/centrifugo/connect'),
  timeout: duration('1s', 'a proxy slower than this fails the event with a temporary error'),
  http_headers: z.array(z.string().min(1)).default([]).describe('request headers of the connection passed to the proxy (Cookie, Authorization …)'),
  binary_encoding: flag().describe('send payloads as base64 (b64data) instead of JSON'),
  include_connection_meta: flag().describe('send the meta the connect proxy returned with every later event'),
  http: z.strictObject({ static_headers: z.record(z.string(), z.string()).default({}) }).prefault({}),
  max_concurrency: count(64).describe('requests in flight to this proxy'),
};
const proxySchema = z.strictObject(proxyShape).prefault({});
const switchedProxySchema = z.strictObject({ enabled: flag().describe('use this proxy'), ...proxyShape }).prefault({});
const namedProxies = z
  .array(z.strictObject({ name: z.string().regex(NAMESPACE_NAME), ...proxyShape }))
  .superRefine((list, ctx) => {
    const seen = new Set<string>(['default']);
    list.forEach((proxy, index) => {
      if (seen.has(proxy.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate or reserved proxy name (${showValue(proxy.name)}) — "default" is the proxy under channel.proxy / rpc.proxy` });
      seen.add(proxy.name);
    });
  })
  .default([]);
const proxyChoice = (what: string) => ({
  [`${what}_proxy_enabled`]: flag().describe(`send ${what} events of the namespace to a proxy`),
  [`${what}_proxy_name`]: z.string().min(1).default('default').describe('"default" or the name of an entry in proxies'),
});
const channelProxyOptions = { ...proxyChoice('subscribe'), ...proxyChoice('publish'), ...proxyChoice('sub_refresh') } as {
  subscribe_proxy_enabled: ReturnType<typeof flag>;
  subscribe_proxy_name: z.ZodDefault<z.ZodString>;
  publish_proxy_enabled: ReturnType<typeof flag>;
  publish_proxy_name: z.ZodDefault<z.ZodString>;
  sub_refresh_proxy_enabled: ReturnType<typeof flag>;
  sub_refresh_proxy_name: z.ZodDefault<z.ZodString>;
};
const rpcProxyOptions = {
  proxy_enabled: flag().describe('send RPC calls of the namespace to a proxy'),
  proxy_name: z.string().min(1).default('default'),
};
const rpcSchema = z
  .strictObject({
    proxy: proxySchema,
    without_namespace: z.strictObject(rpcProxyOptions).prefault({}),
    namespaces: z.array(z.strictObject({ name: z.string().regex(NAMESPACE_NAME), ...rpcProxyOptions })).default([]),
    namespace_boundary: z.string().min(1).default(':'),
  })
  .prefault({});

const channelOptionsShape = {
  ...channelProxyOptions,
  presence: flag(),
  join_leave: flag(),
  force_push_join_leave: flag(),
  history_size: count(0),
  history_ttl: duration('0s'),
  history_meta_ttl: duration('720h'),
  force_positioning: flag(),
  allow_positioning: flag(),
  force_recovery: flag(),
  allow_recovery: flag(),
  allow_subscribe_for_client: flag(),
  allow_subscribe_for_anonymous: flag(),
  allow_publish_for_client: flag(),
  allow_publish_for_subscriber: flag(),
  allow_publish_for_anonymous: flag(),
  allow_presence_for_client: flag(),
  allow_presence_for_subscriber: flag(),
  allow_presence_for_anonymous: flag(),
  allow_history_for_client: flag(),
  allow_history_for_subscriber: flag(),
  allow_history_for_anonymous: flag(),
  allow_user_limited_channels: flag(),
  channel_regex: compilingRegex.optional(),
  allowed_delta_types: z.array(z.literal('fossil', { error: 'is not a delta type — the only one is "fossil"' })).default([]),
  delta_publish: flag(),
  allow_channel_compaction: flag().describe("let subscribers that ask for it (the SDK's subscribe flag 1) get the channel's pushes with a numeric id in place of its name"),
};

/** `delta_publish` alone would be a setting dropped without a word: delta needs the type allowed. */
const deltaPublishNeedsFossil = (options: { delta_publish: boolean; allowed_delta_types: string[] }, ctx: z.RefinementCtx): void => {
  if (options.delta_publish && !options.allowed_delta_types.includes('fossil')) {
    ctx.addIssue({ code: 'custom', path: ['delta_publish'], message: 'needs allowed_delta_types: ["fossil"] — delta is sent only to subscribers of a namespace that allows it' });
  }
};

const namespaceSchema = z.strictObject({
  name: z.string({ error: (issue) => (issue.input === undefined ? 'is required — give the namespace a name' : undefined) }).regex(NAMESPACE_NAME, {
    error: (issue) => `is not a valid namespace name (${showValue(issue.input)}) — use letters, digits, "-", "_" or "."`,
  }),
  ...channelOptionsShape,
}).superRefine(deltaPublishNeedsFossil);

const namespaces = z
  .array(namespaceSchema)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((ns, index) => {
      if (seen.has(ns.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate namespace (${showValue(ns.name)}) — give each namespace a unique name` });
      }
      seen.add(ns.name);
    });
  })
  // No default here: it depends on the profile, see defaultNamespaces.
  .optional();

const tokenShape = {
  hmac_secret_key: z.string().optional().describe('HMAC secret for connection and subscription JWTs'),
  hmac_previous_secret_key: z.string().optional().describe('previous HMAC secret, still accepted during a rotation'),
  rsa_public_key: publicKey('rsa', 'RSA public key (PEM) for RS* JWTs'),
  ecdsa_public_key: publicKey('ec', 'ECDSA public key (PEM) for ES* JWTs'),
  jwks_public_endpoint: httpUrl.optional().describe('JWKS URL for JWT verification'),
  audience: z.string().optional().describe('required JWT aud'),
  issuer: z.string().optional().describe('required JWT iss'),
  user_id_claim: z.string().min(1).default('sub').describe('JWT claim holding the user id'),
};

const tokenSchema = z.strictObject(tokenShape);

/** Centrifugo's separate keys for subscription tokens; off: client.token verifies both kinds. */
const subscriptionTokenSchema = z.strictObject({
  enabled: flag().describe('verify subscription tokens with these keys instead of client.token'),
  ...tokenShape,
});

const personalChannelSchema = z.strictObject({
  enabled: flag().describe('subscribe each connection to its user\'s personal channel on connect'),
  personal_channel_namespace: z.string().default('').describe('namespace of the personal channel (<namespace>:#<user>); "" for none'),
  single_connection: flag().describe('keep one connection per user: a new one disconnects the others'),
});

/** `cert_pem` / `key_pem` as Centrifugo takes them: a file path, PEM text, or base64 of PEM. */
const tlsSchema = z.strictObject({
  enabled: flag().describe('serve HTTPS and WSS with cert_pem and key_pem'),
  cert_pem: z.string().optional().describe('certificate chain: a PEM file path, PEM text, or base64 PEM'),
  key_pem: z.string().optional().describe('private key: a PEM file path, PEM text, or base64 PEM'),
});

const clientSchema = z.strictObject({
  token: tokenSchema.prefault({}),
  subscription_token: subscriptionTokenSchema.prefault({}),
  subscribe_to_user_personal_channel: personalChannelSchema.prefault({}),
  // No default here: it depends on the profile, see defaultAllowedOrigins.
  allowed_origins: z.array(z.string()).optional().describe('Origin glob patterns allowed to connect'),
  allow_unsafe_origins: flag().describe('let production accept *, http:// and match-all origins'),
  allow_anonymous_connect_without_token: flag().describe('accept connections without a JWT'),
  insecure: flag().describe('test only: skip permission checks; refused in production'),
  ping_interval: duration('25s', 'server ping period'),
  pong_timeout: duration('8s', 'how long to wait for a pong'),
  expired_close_delay: duration('25s'),
  expired_sub_close_delay: duration('25s'),
  stale_close_delay: duration('10s'),
  idle_timeout: duration('30m'),
  channel_limit: count(128),
  connection_limit: count(10_000).describe('connections per node, 0 = unlimited'),
  user_connection_limit: count(100),
  queue_max_size: count(1_048_576).describe('bytes queued per connection before 3008'),
  command_rate_limit: z
    .strictObject({
      per_second: count(100),
      burst: count(200),
      disconnect_after: count(50),
    })
    .prefault({}),
  max_commands_per_frame: count(100),
  json_max_depth: count(64).describe('deepest JSON nesting accepted in commands, token claims and API bodies (107 / HTTP 400 past it)'),
  max_command_errors: count(50).describe('command errors in 10 s after which the connection closes with 3509; 0 = no limit'),
  connect_rate_limit: z
    .strictObject({
      per_second: count(2000).describe('new connections per second per node, sustained; 0 = no limit'),
      burst: count(4000),
      per_address_per_second: count(100).describe('new connections per second from one client address; 0 = no limit'),
      per_address_burst: count(200),
      queue_timeout: duration('2s', 'how long a new connection past per_second waits for its turn before 503; 0 = refuse at once (keep it under the SDK connect timeout, 5 s)'),
    })
    .prefault({}),
  history_max_publication_limit: count(300),
  recovery_max_publication_limit: count(300),
  proxy: z.strictObject({ connect: switchedProxySchema, refresh: switchedProxySchema }).prefault({}),
});

/** A transport served over plain HTTP: on or off, its path, and the largest connect request. */
function httpTransport(enabled: boolean, path: string, what: string) {
  return z
    .strictObject({
      enabled: flag(enabled).describe(`serve ${what}`),
      handler_prefix: urlPath(path),
      max_request_body_size: count(65_536).describe('largest accepted connect request, bytes'),
    })
    .prefault({});
}

export const configSchema = z.strictObject({
  http_server: z
    .strictObject({
      address: z.string().default('127.0.0.1').describe('listen address'),
      port: z.number().int().min(0).max(65_535).default(8000).describe('listen port'),
      tls: tlsSchema.prefault({}),
      trusted_proxies: z
        .array(
          z.string().superRefine((entry, ctx) => {
            const problem = trustedProxyProblem(entry);
            if (problem) ctx.addIssue({ code: 'custom', message: `${showValue(entry)} is ${problem}` });
          }),
        )
        .default([])
        .describe('reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; limits and lockouts key on that client address'),
    })
    .prefault({}),
  data_dir: z.string().min(1).default('.data').describe('node-local state, relative to the working directory'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('fatal, error, warn, info, debug, trace or silent'),
    })
    .prefault({}),
  client: clientSchema.prefault({}),
  websocket: z
    .strictObject({
      handler_prefix: urlPath('/connection/websocket').describe('WebSocket path (Centrifugo\'s); /ws is served too'),
      message_size_limit: count(65_536).describe('largest accepted frame, bytes'),
      compression: flag().describe('negotiate permessage-deflate (RFC 7692)'),
      compression_level: z.number().int().min(1).max(9).default(1).describe('deflate level, 1 (fastest) to 9 (smallest)'),
      compression_min_size: count(0).describe('messages shorter than this many bytes are sent uncompressed'),
      decompressed_message_size_limit: count(0).describe('largest message after inflating, bytes; 0 = 10 × message_size_limit'),
    })
    .prefault({}),
  http_stream: httpTransport(true, '/connection/http_stream', 'the HTTP-streaming fallback (POST; the SDK\'s http_stream transport)'),
  sse: httpTransport(true, '/connection/sse', 'the Server-Sent Events fallback (GET; the SDK\'s sse transport)'),
  emulation: z
    .strictObject({
      handler_prefix: urlPath('/emulation').describe('where http_stream and sse clients send their commands'),
      max_request_body_size: count(65_536).describe('largest accepted emulation request, bytes'),
    })
    .prefault({}),
  uni_websocket: z
    .strictObject({
      enabled: flag().describe('serve the unidirectional WebSocket transport'),
      handler_prefix: urlPath('/connection/uni_websocket'),
      message_size_limit: count(65_536).describe('largest accepted connect message, bytes'),
    })
    .prefault({}),
  uni_sse: httpTransport(false, '/connection/uni_sse', 'the unidirectional Server-Sent Events transport'),
  uni_http_stream: httpTransport(false, '/connection/uni_http_stream', 'the unidirectional HTTP-streaming transport'),
  http_api: z
    .strictObject({
      key: z.string().default('').describe('server API key (X-API-Key / Authorization: apikey)'),
      insecure: flag().describe('serve the API without a key; refused in production'),
      allow_key_in_query: flag().describe('accept the key as ?api_key= (it then ends up in access logs)'),
      handler_prefix: urlPath('/api'),
    })
    .prefault({}),
  channel: z
    .strictObject({
      without_namespace: z.strictObject(channelOptionsShape).superRefine(deltaPublishNeedsFossil).prefault({}),
      namespaces,
      max_length: count(255),
      proxy: z.strictObject({ subscribe: proxySchema, publish: proxySchema, sub_refresh: proxySchema }).prefault({}),
    })
    .prefault({}),
  shutdown: z.strictObject({ timeout: duration('10s', 'SIGTERM drain time') }).prefault({}),
  prometheus: z
    .strictObject({
      // On by default, unlike Centrifugo: deploy/ alert rules and dashboards scrape it.
      enabled: flag(true).describe('serve Prometheus metrics at handler_prefix'),
      handler_prefix: urlPath('/metrics'),
    })
    .prefault({}),
  health: z
    .strictObject({
      enabled: flag().describe('serve Centrifugo\'s health endpoint at handler_prefix (/healthz and /readyz are always on)'),
      handler_prefix: urlPath('/health'),
    })
    .prefault({}),
  engine: z
    .strictObject({
      type: z.enum(['memory', 'redis']).optional().describe('memory (one node) or redis (several nodes); redis when engine.redis.address is set'),
      redis: z
        .strictObject({
          address: z
            .union([redisAddress, z.array(redisAddress)])
            .optional()
            .describe('redis://[user:password@]host:port[/db]; a list (or comma-separated URLs) shards channels over independent Redis instances; redis+cluster:// or redis+sentinel:// URLs work too'),
          cluster_address: z
            .array(z.string().min(1))
            .optional()
            .describe('Redis Cluster seed nodes, host:port comma-separated; several entries shard over several clusters'),
          sentinel_address: z
            .array(z.string().min(1))
            .optional()
            .describe('Redis Sentinel addresses, host:port comma-separated; several entries shard over several masters'),
          sentinel_master_name: z.string().min(1).optional().describe('name of the master the sentinels watch (required with sentinel_address)'),
          sentinel_user: z.string().optional().describe('user for the sentinels (Redis ACL)'),
          sentinel_password: z.string().optional().describe('password for the sentinels'),
          user: z.string().optional().describe('Redis user (ACL), for addresses without one'),
          password: z.string().optional().describe('Redis password, for addresses without one'),
          db: z.number().int().min(0).optional().describe('Redis database for addresses without one (not on a cluster)'),
          prefix: z.string().default('renum:').describe('put before every key, so several deployments can share one Redis'),
          connect_timeout: duration('1s', 'time to establish a connection to Redis'),
          command_timeout: duration('1s', 'a Redis command slower than this fails (API answers temporarily unavailable)'),
          presence_ttl: duration('60s', 'presence entries of a node that stopped refreshing them expire after this'),
          node_heartbeat: duration('3s', 'node registry heartbeat; a node leaves info after three missed beats'),
        })
        .prefault({}),
      idempotent_result_ttl: durationText
        .refine((ms) => ms > 0, 'must be more than 0: without a window, a retry with its idempotency_key would publish again')
        .default(parseDuration('5m')!)
        .describe('how long the result of a publish with an idempotency_key is kept: a retry with the key within it publishes nothing and gets that result'),
    })
    .prefault({}),
  admin: z
    .strictObject({
      enabled: flag().describe('serve the admin dashboard at /admin'),
      password: z.string().optional().describe('admin login password; the local profile generates one in data_dir when unset'),
      secret: z.string().optional().describe('signs admin session cookies; the same on every node'),
      broadcast_channel: z.string().min(1).default('broadcast').describe('where "broadcast to all users" publishes'),
    })
    .prefault({}),
  rpc: rpcSchema,
  proxies: namedProxies,
  notifications: z
    .strictObject({
      enabled: flag().describe('serve the notification inbox (RPC notifications.*, API notification_*)'),
      database_url: z
        .string()
        .regex(/^(postgres(ql)?:\/\/|sqlite:)/, { error: 'must start with postgres:// (PostgreSQL) or sqlite: (a SQLite file) — leave it unset for SQLite in data_dir' })
        .optional()
        .describe('postgres://… for PostgreSQL; unset: SQLite file in data_dir'),
      channel: z.string().min(1).default('notifications:inbox').describe('user U gets live events on <channel>#U'),
      broadcast_channel: z.string().min(1).default('notifications:broadcast').describe('where notifications to all users are announced'),
      purge_interval: duration('1h', 'how often expired and old dismissed notifications are deleted'),
      dismissed_retention: duration('720h', 'how long a dismissed notification is kept'),
    })
    .prefault({}),
  user_status: z
    .strictObject({
      enabled: flag().describe('track users online across nodes (API user_status, user_status_snapshot); on with webhooks'),
      offline_grace: duration('5s', 'a user is offline once their last connection has been gone this long (a page reload does not flap)'),
      last_seen_ttl: duration('720h', 'how long a user\'s last-seen time is kept after they go offline'),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      enabled: flag().describe('send signed lifecycle webhooks (Standard Webhooks) from a durable outbox'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional().describe('where events are POSTed'),
      secret: z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { error: 'must be whsec_ followed by base64, e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
        .optional()
        .describe('Standard Webhooks signing secret (whsec_<base64>)'),
      events: z
        .array(z.enum(['client.connect', 'client.disconnect', 'client.subscribe', 'client.unsubscribe', 'user.online', 'user.offline']))
        .default(['client.connect', 'client.disconnect', 'client.subscribe', 'client.unsubscribe', 'user.online', 'user.offline'])
        .describe('event types to send'),
      timeout: duration('5s', 'a delivery slower than this counts as failed and is retried'),
      retry_period: duration('24h', 'how long a failing event is retried before it goes to the dead-letter list'),
      retry_initial_interval: duration('1s', 'first retry delay; doubles per attempt, with jitter'),
      retry_max_interval: duration('10m', 'longest delay between two attempts'),
      concurrency: count(8, 256).describe('deliveries in flight at once (one per user: order is kept per user)'),
    })
    .prefault({}),
});

export type ParsedConfig = z.output<typeof configSchema>;

/** The same keys without defaults, for `environments.<name>` and env vars; arrays replace whole. */
export const overlaySchema = overlayOf(configSchema);

export const fileSchema = z.strictObject({
  ...configSchema.shape,
  environment: z.string().optional(),
  environments: z
    .strictObject({
      local: overlaySchema.optional(),
      staging: overlaySchema.optional(),
      production: overlaySchema.optional(),
    })
    .optional(),
});

export function defaultAllowedOrigins(environment: Environment): string[] {
  return environment === 'local' ? ['http://localhost:*', 'http://127.0.0.1:*'] : [];
}

/**
 * Namespaces when the config names none. The local profile opens the README's example channels
 * (`execution:42`, `notifications:inbox#alice`) to clients so the quick start works without a
 * config file; staging and production open nothing until configured.
 */
export function defaultNamespaces(environment: Environment): ParsedNamespace[] {
  if (environment !== 'local') return [];
  const closed = channelDefaults();
  return [
    { ...closed, name: 'execution', history_size: 100, history_ttl: 3_600_000, force_recovery: true, allow_subscribe_for_client: true },
    { ...closed, name: 'notifications', allow_user_limited_channels: true, allow_subscribe_for_client: true },
  ];
}

type ParsedNamespace = z.output<typeof namespaceSchema>;
const channelDefaults = () => z.strictObject(channelOptionsShape).parse({});
