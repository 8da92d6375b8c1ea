import { CENTRIFUGO_KEYS } from './centrifugo-keys.js';
import { schemaAt } from './schema-walk.js';
import { configSchema } from './schema.js';

/**
 * Every Centrifugo v6 config key, classified: honoured by Renum Realtime (same name, same
 * meaning), or not supported, with what to do instead. A Centrifugo config therefore never meets
 * "unknown key" for a key Centrifugo knows, and nothing it sets is dropped without a word.
 */

export type Verdict =
  | { kind: 'honoured'; note?: string }
  | { kind: 'unsupported'; alternative: string }
  /** Accepted and nothing to do: Renum Realtime already behaves the way the key asks. */
  | { kind: 'no-op'; note: string };

/**
 * Sections the transport layer and the Redis engine add to the schema themselves (HTTP
 * streaming, SSE, emulation, the unidirectional transports, Redis cluster/sentinel/sharding):
 * honoured, whether or not this build's schema lists each of their keys yet.
 */
const HONOURED_SECTIONS: ReadonlyArray<readonly [prefix: string, note: string]> = [
  ['engine.redis', 'Redis engine'],
];

const NO_OPS: ReadonlyArray<readonly [key: string, note: string]> = [
  ['usage_stats', 'Renum Realtime sends no usage statistics'],
  ['enable_unreleased_features', 'Renum Realtime has no unreleased features behind a flag'],
];

const PROXY = 'only HTTP event proxies are supported (endpoint, timeout, http_headers, http.static_headers, binary_encoding, include_connection_meta): no gRPC, emulated headers, TLS client settings or status transforms';
const STREAM_PROXY = 'no subscribe stream proxies: publish into the channel from your back end through the server API';
const ONE_PORT = 'one listener serves everything: keep /metrics, /admin and /api off the public internet at your proxy';
const TLS_AT_PROXY = 'give the certificate to http_server.tls (cert_pem, key_pem), or terminate TLS at your proxy';

/** Longest prefix wins; a prefix covers the key itself, `prefix.…` and `prefix[].…`. */
const UNSUPPORTED: ReadonlyArray<readonly [prefix: string, alternative: string]> = [
  ['http_server.internal_address', ONE_PORT],
  ['http_server.internal_port', ONE_PORT],
  ['http_server.internal_tls', ONE_PORT],
  ['http_server.tls_external', ONE_PORT],
  ['http_server.h2c_external', 'HTTP/1.1 only: put an HTTP/2 proxy in front'],
  ['http_server.http3', 'HTTP/1.1 only: put an HTTP/3 proxy in front'],
  ['http_server.tls_autocert', `no ACME client: ${TLS_AT_PROXY}`],
  ['http_server.tls.server_ca_pem', 'a client-side setting: the HTTP server does not dial out; for client certificates use a proxy that checks them'],
  ['http_server.tls.client_ca_pem', 'no mutual TLS: terminate TLS at a proxy that checks client certificates'],
  ['http_server.tls.insecure_skip_verify', 'a client-side setting: the HTTP server does not dial out — remove it'],
  ['http_server.tls.server_name', 'a client-side setting: the HTTP server does not dial out — remove it'],
  ['log.file', 'logs are JSON lines on stdout: redirect them, or let your process manager collect them'],
  ['broker', 'use engine.type "memory" or "redis": one engine is broker and presence manager at once'],
  ['presence_manager', 'use engine.type "memory" or "redis": one engine is broker and presence manager at once'],
  ['map_broker', 'no map subscriptions: keep keyed state in your back end and publish changes to a channel'],
  ['controller', 'the engine (Redis) carries node-to-node control messages'],
  ['shared_poll', 'no shared polling: publish changes from your back end through the server API'],
  ['client.proxy', PROXY],
  ['client.token.audience_regex', 'set client.token.audience to the one audience'],
  ['client.token.issuer_regex', 'set client.token.issuer to the one issuer'],
  ['client.token.hmac_previous_secret_key_valid_until', 'remove client.token.hmac_previous_secret_key when the rotation is over'],
  ['client.token.insecure_skip_jwks_endpoint_safety_check', 'no such check to skip: remove it'],
  ['client.subscription_token.audience_regex', 'set client.subscription_token.audience to the one audience'],
  ['client.subscription_token.issuer_regex', 'set client.subscription_token.issuer to the one issuer'],
  ['client.subscription_token.hmac_previous_secret_key_valid_until', 'remove client.subscription_token.hmac_previous_secret_key when the rotation is over'],
  ['client.subscription_token.insecure_skip_jwks_endpoint_safety_check', 'no such check to skip: remove it'],
  ['client.disallow_anonymous_connection_tokens', 'tokens with an empty sub are anonymous; leave client.allow_anonymous_connect_without_token false and refuse such tokens in your back end'],
  ['client.presence_update_interval', 'presence is refreshed by the engine (engine.redis.presence_ttl)'],
  ['client.concurrency', 'a connection\'s commands are processed in order, one at a time'],
  ['client.channel_position_check_delay', 'with Redis, a subscriber that missed publications gets unsubscribe 2500 and recovers on resubscribe'],
  ['client.channel_position_max_time_lag', 'with Redis, a subscriber that missed publications gets unsubscribe 2500 and recovers on resubscribe'],
  ['client.connection_rate_limit', 'use client.command_rate_limit per connection, and limit new connections at your proxy'],
  ['client.connect_include_server_time', 'no server time in the connect reply: put it in your own RPC or in connection data'],
  ['client.insecure_skip_token_signature_verify', 'no unsigned tokens: sign test tokens with `renum-realtime token`'],
  ['client.user_id_http_header', 'the user id comes from the token: sign a JWT in the back end that authenticated the user'],
  ['client.connect_code_to_unidirectional_disconnect', 'unidirectional clients get the standard disconnect codes'],
  ['channel.proxy', PROXY],
  ['channel.history_meta_ttl', 'set history_meta_ttl in channel.without_namespace and in each namespace'],
  ['channel.publication_data_format', 'publication data is JSON'],
  ['channel.private_prefix', 'private channels start with "$"'],
  ['channel.namespace_boundary', 'namespaces end at ":"'],
  ['channel.user_boundary', 'user-limited channels use "#"'],
  ['channel.user_separator', 'user-limited channels separate users with ","'],
  ['rpc', 'RPC goes to rpc.proxy (per rpc.namespaces / rpc.without_namespace proxy_enabled), or to handlers registered in code: Gateway.start({ config, rpc: { method: handler } })'],
  ['proxies', PROXY],
  ['consumers', 'no queue consumers: publish from the consumer in your back end through the server API (batch for many)'],
  ['http_api.disabled', 'the server API is always on: keep http_api.key secret and /api off the public internet'],
  ['http_api.error_mode', 'send the header X-Centrifugo-Error-Mode: transport with each request'],
  ['http_api.external', ONE_PORT],
  ['grpc_api', 'use the HTTP server API (/api), same methods and shapes'],
  ['uni_grpc', 'use the unidirectional WebSocket, SSE or HTTP-streaming transport'],
  ['webtransport', 'use the WebSocket transport (or HTTP streaming/SSE where WebSocket is blocked)'],
  ['websocket.disabled', 'the WebSocket transport is always on'],
  ['uni_sse.connect_code_to_http_response', 'a refused unidirectional connect is a disconnect push with its code, as without this option'],
  ['uni_http_stream.connect_code_to_http_response', 'a refused unidirectional connect is a disconnect push with its code, as without this option'],
  ['uni_websocket.compression', 'the unidirectional WebSocket is not compressed; websocket.compression covers the bidirectional one'],
  ['uni_websocket.decompressed_message_size_limit', 'the unidirectional WebSocket is not compressed'],
  ['uni_websocket.compression_min_size', 'the unidirectional WebSocket is not compressed'],
  ['uni_websocket.compression_level', 'the unidirectional WebSocket is not compressed'],
  ['uni_websocket.read_buffer_size', 'buffers are managed by the runtime'],
  ['uni_websocket.write_buffer_size', 'buffers are managed by the runtime'],
  ['uni_websocket.use_write_buffer_pool', 'buffers are managed by the runtime'],
  ['uni_websocket.write_timeout', 'a client that does not read is closed with 3008 once client.queue_max_size bytes wait for it'],
  ['uni_websocket.disable_closing_handshake', 'the gateway always sends a close frame'],
  ['uni_websocket.disable_disconnect_push', 'the unidirectional WebSocket closes with its code and sends no disconnect push'],
  ['uni_websocket.join_push_messages', 'pushes go one per message'],
  ['websocket.read_buffer_size', 'buffers are managed by the runtime'],
  ['websocket.write_buffer_size', 'buffers are managed by the runtime'],
  ['websocket.use_write_buffer_pool', 'buffers are managed by the runtime'],
  ['websocket.write_timeout', 'a client that does not read is closed with 3008 once client.queue_max_size bytes wait for it'],
  ['admin.insecure', 'the admin dashboard always asks for a password: set admin.password (the local profile generates one in .data/local-admin-password)'],
  ['admin.handler_prefix', 'the admin dashboard is served at /admin'],
  ['admin.web_path', 'the admin dashboard ships with the server'],
  ['admin.web_proxy_address', 'the admin dashboard ships with the server'],
  ['admin.external', ONE_PORT],
  ['prometheus.instrument_http_handlers', 'realtime_api_requests_total counts server API requests by method and status'],
  ['prometheus.recovered_publications_histogram', 'not measured'],
  ['prometheus.native_histograms', 'classic histograms only'],
  ['swagger', 'the server API methods and shapes are Centrifugo v6\'s: use its API reference'],
  ['debug', 'profile with node --inspect or --cpu-prof'],
  ['init', 'connect with a token over the WebSocket'],
  ['opentelemetry', 'scrape /metrics with Prometheus; logs are JSON lines'],
  ['graphite', 'scrape /metrics with Prometheus'],
  ['node', 'nodes are named by a generated id, shown in info and the admin dashboard'],
  ['node.info_metrics_aggregate_interval', 'each node exports its own metrics: aggregate them in Prometheus'],
  ['pid_file', 'your process manager (systemd, Docker, Kubernetes) tracks the process'],
];

/**
 * Channel option keys Centrifugo has and Renum Realtime does not, wherever channel options are
 * (without_namespace and each namespace).
 */
const UNSUPPORTED_CHANNEL_OPTIONS: ReadonlyArray<readonly [key: string, alternative: string]> = [
  ['map_clients_presence_channel_prefix', 'no map subscriptions: use presence (presence: true)'],
  ['map_users_presence_channel_prefix', 'no map subscriptions: use presence (presence: true)'],
  ['force_recovery_mode', 'recovery replays the stream (force_recovery); there is no cache mode'],
  ['auto_cache_recover', 'recovery replays the stream (force_recovery); there is no cache mode'],
  ['allow_tags_filter', 'no publication filters: use one channel per audience'],
  ['publication_data_format', 'publication data is JSON'],
  ['subscription_type', 'channels are streams; keep keyed state in your back end'],
  ['map', 'no map subscriptions: keep keyed state in your back end and publish changes to a channel'],
  ['shared_poll', 'no shared polling: publish changes from your back end through the server API'],
  ['subscribe_stream_proxy_enabled', STREAM_PROXY],
  ['subscribe_stream_proxy_name', STREAM_PROXY],
  ['subscribe_stream_proxy_bidirectional', STREAM_PROXY],
];

const CENTRIFUGO_KEY_SET = new Set(CENTRIFUGO_KEYS.map(([key]) => key));

/** `channel.namespaces[3].history_size` → `channel.namespaces[].history_size`. */
export function catalogueKey(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[]` : out ? `${out}.${String(seg)}` : String(seg)), '');
}

export function isCentrifugoKey(key: string): boolean {
  return CENTRIFUGO_KEY_SET.has(key);
}

const covers = (prefix: string, key: string) => key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[]`);

function schemaPath(key: string): PropertyKey[] {
  return key.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), 0] : [part]));
}

/**
 * How Renum Realtime treats a Centrifugo key (given in catalogue form, `a.b[].c`); undefined for
 * a key no rule covers (a test keeps that from happening for any key Centrifugo has).
 */
export function verdictFor(key: string): Verdict | undefined {
  if (schemaAt(configSchema, schemaPath(key))) return { kind: 'honoured' };
  const section = HONOURED_SECTIONS.find(([prefix]) => covers(prefix, key));
  if (section) return { kind: 'honoured', note: section[1] };
  const noop = NO_OPS.find(([prefix]) => covers(prefix, key));
  if (noop) return { kind: 'no-op', note: noop[1] };
  const option = /^channel\.(without_namespace|namespaces\[\])\.([a-z_]+)/.exec(key);
  const channelRule = option && UNSUPPORTED_CHANNEL_OPTIONS.find(([name]) => name === option[2]);
  if (channelRule) return { kind: 'unsupported', alternative: channelRule[1] };
  const rule = UNSUPPORTED.filter(([prefix]) => covers(prefix, key)).sort((a, b) => b[0].length - a[0].length)[0];
  return rule ? { kind: 'unsupported', alternative: rule[1] } : undefined;
}

/** The problem line for a Centrifugo key set to something Renum Realtime does not do. */
export function unsupportedProblem(label: string, alternative: string): string {
  return `${label}: not supported by Renum Realtime — ${alternative}`;
}

/**
 * A value that asks for nothing: `false`, `""`, `0`, an empty list or object, or an object whose
 * every value is such (e.g. `{ "enabled": false }`). Centrifugo configs often carry disabled
 * sections; accepting those keeps a working config loading.
 */
export function isOff(value: unknown): boolean {
  if (value === false || value === '' || value === 0 || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.some(([key, child]) => key === 'enabled' && child === false)) return true;
    return entries.every(([, child]) => isOff(child));
  }
  return false;
}

const OFF_TEXT = new Set(['', 'false', '0']);
let envNames: Map<string, string> | undefined;

/**
 * `CENTRIFUGO_*` variables that name a Centrifugo key Renum Realtime does not support: a problem
 * each, unless the value is off. `bound` are the variables the loader reads itself.
 */
export function unsupportedEnvProblems(environ: NodeJS.ProcessEnv, bound: ReadonlySet<string>): string[] {
  envNames ??= new Map(CENTRIFUGO_KEYS.filter(([key]) => !key.includes('[]')).map(([key]) => [`CENTRIFUGO_${key.replace(/\./g, '_').toUpperCase()}`, key]));
  const problems: string[] = [];
  for (const [name, value] of Object.entries(environ)) {
    const key = envNames.get(name);
    if (!key || bound.has(name) || OFF_TEXT.has((value ?? '').trim().toLowerCase())) continue;
    const verdict = verdictFor(key);
    if (verdict?.kind === 'unsupported') problems.push(unsupportedProblem(`${name} (${key})`, verdict.alternative));
  }
  return problems;
}
