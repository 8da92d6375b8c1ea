import { z } from 'zod';
import { duration } from './duration.js';

const flag = z.boolean().default(false);
const count = (fallback: number) => z.number().int().nonnegative().default(fallback);
const THIRTY_DAYS = 30 * 24 * 3_600_000;

const channelOptionsShape = {
  presence: flag,
  join_leave: flag,
  force_push_join_leave: flag,
  history_size: count(0),
  history_ttl: duration(0),
  history_meta_ttl: duration(THIRTY_DAYS),
  force_positioning: flag,
  allow_positioning: flag,
  force_recovery: flag,
  allow_recovery: flag,
  allow_subscribe_for_client: flag,
  allow_subscribe_for_anonymous: flag,
  allow_publish_for_client: flag,
  allow_publish_for_subscriber: flag,
  allow_publish_for_anonymous: flag,
  allow_presence_for_client: flag,
  allow_presence_for_subscriber: flag,
  allow_presence_for_anonymous: flag,
  allow_history_for_client: flag,
  allow_history_for_subscriber: flag,
  allow_history_for_anonymous: flag,
  allow_user_limited_channels: flag,
  channel_regex: z.string().optional(),
};

const channelOptions = z.strictObject(channelOptionsShape);
const namespace = z.strictObject({
  name: z.string().regex(/^[-a-zA-Z0-9_.]+$/, 'namespace names use letters, digits, "-", "_" and "." only'),
  ...channelOptionsShape,
});

const prefix = (fallback: string) => z.string().startsWith('/', 'must start with "/"').default(fallback);

/** The config file, Centrifugo v6 key names; `environments` profiles are merged before parsing. */
export const configSchema = z.strictObject({
  environment: z.enum(['local', 'staging', 'production']).optional(),
  http_server: z.strictObject({
    address: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8000),
  }).prefault({}),
  data_dir: z.string().default('.data'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  client: z.strictObject({
    token: z.strictObject({
      hmac_secret_key: z.string().optional(),
      hmac_previous_secret_key: z.string().optional(),
      rsa_public_key: z.string().optional(),
      ecdsa_public_key: z.string().optional(),
      jwks_public_endpoint: z.string().optional(),
      audience: z.string().optional(),
      issuer: z.string().optional(),
      user_id_claim: z.string().default('sub'),
    }).prefault({}),
    allowed_origins: z.array(z.string()).optional(),
    allow_unsafe_origins: flag,
    allow_anonymous_connect_without_token: flag,
    insecure: flag,
    ping_interval: duration(25_000),
    pong_timeout: duration(8_000),
    expired_close_delay: duration(25_000),
    expired_sub_close_delay: duration(25_000),
    stale_close_delay: duration(10_000),
    idle_timeout: duration(30 * 60_000),
    channel_limit: count(128),
    connection_limit: count(10_000),
    user_connection_limit: count(100),
    queue_max_size: count(1_048_576),
    command_rate_limit: z.strictObject({
      per_second: count(100),
      burst: count(200),
      disconnect_after: count(50),
    }).prefault({}),
    max_commands_per_frame: z.number().int().positive().default(100),
    history_max_publication_limit: count(300),
    recovery_max_publication_limit: count(300),
  }).prefault({}),
  websocket: z.strictObject({
    handler_prefix: prefix('/ws'),
    message_size_limit: z.number().int().positive().default(65_536),
  }).prefault({}),
  http_api: z.strictObject({
    key: z.string().default(''),
    insecure: flag,
    handler_prefix: prefix('/api'),
  }).prefault({}),
  channel: z.strictObject({
    without_namespace: channelOptions.prefault({}),
    namespaces: z.array(namespace).default([]),
    max_length: z.number().int().positive().default(255),
  }).prefault({}),
  shutdown: z.strictObject({ timeout: duration(10_000) }).prefault({}),
});

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
