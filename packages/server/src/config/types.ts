/**
 * The resolved configuration: the JSON file, merged with the selected environment profile and
 * `REALTIME_*` variables, validated by `schema.ts`, defaults applied, durations turned into
 * milliseconds, then frozen. Key names follow Centrifugo v6 where Centrifugo has the concept.
 */

import type { RedisAddressConfig } from '../broker/redis-address.js';

export const ENVIRONMENTS = ['local', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** One event proxy endpoint (Centrifugo's proxy keys). */
export interface ProxyConfig {
  endpoint?: string;
  /** ms */
  timeout: number;
  http_headers: string[];
  binary_encoding: boolean;
  include_connection_meta: boolean;
  http: { static_headers: Record<string, string> };
  max_concurrency: number;
}

export interface NamedProxyConfig extends ProxyConfig {
  name: string;
}

/** Which proxy a namespace sends its subscribe, publish and sub_refresh events to. */
export interface ChannelProxyOptions {
  subscribe_proxy_enabled: boolean;
  subscribe_proxy_name: string;
  publish_proxy_enabled: boolean;
  publish_proxy_name: string;
  sub_refresh_proxy_enabled: boolean;
  sub_refresh_proxy_name: string;
}

export interface RpcProxyOptions {
  proxy_enabled: boolean;
  proxy_name: string;
}

export interface ChannelOptions extends ChannelProxyOptions {
  presence: boolean;
  join_leave: boolean;
  force_push_join_leave: boolean;
  history_size: number;
  /** ms; history is kept while publications keep coming within this time. */
  history_ttl: number;
  /** ms; offset and epoch outlive the publications for this long. */
  history_meta_ttl: number;
  force_positioning: boolean;
  allow_positioning: boolean;
  force_recovery: boolean;
  allow_recovery: boolean;
  allow_subscribe_for_client: boolean;
  allow_subscribe_for_anonymous: boolean;
  allow_publish_for_client: boolean;
  allow_publish_for_subscriber: boolean;
  allow_publish_for_anonymous: boolean;
  allow_presence_for_client: boolean;
  allow_presence_for_subscriber: boolean;
  allow_presence_for_anonymous: boolean;
  allow_history_for_client: boolean;
  allow_history_for_subscriber: boolean;
  allow_history_for_anonymous: boolean;
  allow_user_limited_channels: boolean;
  /** Matched against the channel name after `namespace:`; also lifts the ASCII-only rule. */
  channel_regex?: string;
  /** Delta compressions a subscriber may ask for (`delta: "fossil"` in its subscribe). */
  allowed_delta_types: Array<'fossil'>;
  /** Every publication of the namespace is sent as a delta to the subscribers that negotiated one. */
  delta_publish: boolean;
  /**
   * Ours, as the centrifuge library's `AllowChannelCompaction` (Centrifugo has no key for it): a
   * subscriber that asks for it gets the channel's publications, joins and leaves with a numeric
   * id in place of the channel name.
   */
  allow_channel_compaction: boolean;
}

export interface NamespaceConfig extends ChannelOptions {
  name: string;
}

export interface TokenConfig {
  hmac_secret_key?: string;
  /** Still accepted during a secret rotation. */
  hmac_previous_secret_key?: string;
  /** PEM */
  rsa_public_key?: string;
  /** PEM */
  ecdsa_public_key?: string;
  jwks_public_endpoint?: string;
  audience?: string;
  issuer?: string;
  /** Claim holding the user id; `sub` by default. */
  user_id_claim: string;
}

/** Centrifugo's `client.subscription_token`: separate keys for subscription tokens. */
export interface SubscriptionTokenConfig extends TokenConfig {
  /** Off: client.token verifies subscription tokens too. */
  enabled: boolean;
}

/** Centrifugo's `client.subscribe_to_user_personal_channel`. */
export interface PersonalChannelConfig {
  enabled: boolean;
  /** The personal channel is `<namespace>:#<user>`, or `#<user>` when "". */
  personal_channel_namespace: string;
  /** A user's new connection disconnects their others. */
  single_connection: boolean;
}

/** `http_server.tls`; PEM values may be file paths, PEM text or base64 PEM (see config/tls.ts). */
export interface TlsConfig {
  enabled: boolean;
  cert_pem?: string;
  key_pem?: string;
}

export interface WebSocketConfig {
  /** Path of the WebSocket endpoint. */
  handler_prefix: string;
  /** Largest accepted frame, bytes (compressed size when compression is on). */
  message_size_limit: number;
  /** Negotiate permessage-deflate (RFC 7692). */
  compression: boolean;
  /** zlib level 1–9. */
  compression_level: number;
  /** Messages shorter than this many bytes go uncompressed. */
  compression_min_size: number;
  /** Largest message after inflating; 0 = 10 × message_size_limit (see decompressedSizeLimit). */
  decompressed_message_size_limit: number;
}

export interface CommandRateLimit {
  /** Commands a connection may send per second, sustained (token bucket refill). 0 disables. */
  per_second: number;
  /** Bucket size: how many commands may arrive at once. */
  burst: number;
  /** Rejected commands (error 111) after which the connection is closed with 3013. */
  disconnect_after: number;
}

export interface ClientConfig {
  token: TokenConfig;
  subscription_token: SubscriptionTokenConfig;
  subscribe_to_user_personal_channel: PersonalChannelConfig;
  allowed_origins: string[];
  /** Lets the production profile start with `*`, `http://` or match-all origin patterns. */
  allow_unsafe_origins: boolean;
  allow_anonymous_connect_without_token: boolean;
  /** Test-only: permission checks pass and token expiry is ignored. Refused in production. */
  insecure: boolean;
  /** ms */
  ping_interval: number;
  /** ms */
  pong_timeout: number;
  /** ms after token expiry before a connection that did not refresh is closed with 3005. */
  expired_close_delay: number;
  /** ms after subscription token expiry before an unsubscribe push 2501. */
  expired_sub_close_delay: number;
  /** ms a socket may stay without a successful connect command (3502). */
  stale_close_delay: number;
  /** ms a connected client with no subscriptions and no commands is kept (4500). */
  idle_timeout: number;
  channel_limit: number;
  /** Connections per node; 0 = unlimited. */
  connection_limit: number;
  /** Connections per user per node; 0 = unlimited. Anonymous users are not counted. */
  user_connection_limit: number;
  /** Bytes queued for one connection before it is closed as a slow consumer (3008). */
  queue_max_size: number;
  command_rate_limit: CommandRateLimit;
  /** Deepest JSON nesting accepted in payloads. */
  json_max_depth: number;
  /** Command errors in 10 s before 3509; 0 = no limit. */
  max_command_errors: number;
  /** New connections per second, per node and per client address (0 = no limit); refused with 429 before any session. */
  connect_rate_limit: { per_second: number; burst: number; per_address_per_second: number; per_address_burst: number; queue_timeout: number };
  proxy: { connect: ProxyConfig & { enabled: boolean }; refresh: ProxyConfig & { enabled: boolean } };
  /** Commands one frame may carry. */
  max_commands_per_frame: number;
  history_max_publication_limit: number;
  recovery_max_publication_limit: number;
}

export interface HttpTransportConfig {
  enabled: boolean;
  handler_prefix: string;
  /** bytes */
  max_request_body_size: number;
}

export interface RealtimeConfig {
  environment: Environment;
  http_server: {
    address: string;
    port: number;
    tls: TlsConfig;
    /** Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); see http/client-address.ts. */
    trusted_proxies: string[];
  };
  /** Where the local secret, the SQLite inbox and other node-local state live. */
  data_dir: string;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  client: ClientConfig;
  websocket: WebSocketConfig;
  /** The bidirectional HTTP fallbacks; their later commands arrive at `emulation.handler_prefix`. */
  http_stream: HttpTransportConfig;
  sse: HttpTransportConfig;
  emulation: { handler_prefix: string; max_request_body_size: number };
  uni_websocket: { enabled: boolean; handler_prefix: string; message_size_limit: number };
  uni_sse: HttpTransportConfig;
  uni_http_stream: HttpTransportConfig;
  http_api: { key: string; insecure: boolean; handler_prefix: string; allow_key_in_query: boolean };
  channel: {
    without_namespace: ChannelOptions;
    namespaces: NamespaceConfig[];
    max_length: number;
    proxy: { subscribe: ProxyConfig; publish: ProxyConfig; sub_refresh: ProxyConfig };
  };
  rpc: {
    proxy: ProxyConfig;
    without_namespace: RpcProxyOptions;
    namespaces: Array<RpcProxyOptions & { name: string }>;
    namespace_boundary: string;
  };
  /** Named proxies that namespaces pick with `*_proxy_name` / `proxy_name`. */
  proxies: NamedProxyConfig[];
  /** ms SIGTERM may take: clients get 3001, then the process exits. */
  shutdown: { timeout: number };
  /** Prometheus metrics route (on by default, unlike Centrifugo). */
  prometheus: { enabled: boolean; handler_prefix: string };
  /** Centrifugo's `/health` route; `/healthz` and `/readyz` are always served. */
  health: { enabled: boolean; handler_prefix: string };
  /** Where channels, history and presence are shared: this process, or Redis for several nodes. */
  engine: {
    type?: 'memory' | 'redis';
    /** Where Redis is (see broker/redis-address.ts for the address forms) and how the engine uses it. */
    redis: RedisAddressConfig & {
      prefix: string;
      /** ms */
      connect_timeout: number;
      /** ms */
      command_timeout: number;
      /** ms */
      presence_ttl: number;
      /** ms */
      node_heartbeat: number;
    };
    /** ms a publish's result is kept under its idempotency key (Centrifugo keeps it 5 minutes). */
    idempotent_result_ttl: number;
  };
  /** The admin dashboard at /admin. */
  admin: { enabled: boolean; password?: string; secret?: string; broadcast_channel: string };
  /** The notification inbox (an extension of the gateway). */
  notifications: {
    enabled: boolean;
    database_url?: string;
    channel: string;
    broadcast_channel: string;
    /** ms */
    purge_interval: number;
    /** ms */
    dismissed_retention: number;
  };
  /** Who is online across the cluster (an extension; on with webhooks). */
  user_status: {
    enabled: boolean;
    /** ms */
    offline_grace: number;
    /** ms */
    last_seen_ttl: number;
  };
  /** Signed lifecycle webhooks from a durable outbox (an extension). */
  webhooks: {
    enabled: boolean;
    url?: string;
    secret?: string;
    events: Array<'client.connect' | 'client.disconnect' | 'client.subscribe' | 'client.unsubscribe' | 'user.online' | 'user.offline'>;
    /** ms */
    timeout: number;
    /** ms */
    retry_period: number;
    /** ms */
    retry_initial_interval: number;
    /** ms */
    retry_max_interval: number;
    concurrency: number;
  };
}

/** The inflated-size bound of a compressed WebSocket message, as Centrifugo derives it. */
export function decompressedSizeLimit(websocket: WebSocketConfig): number {
  return websocket.decompressed_message_size_limit || websocket.message_size_limit * 10;
}
