import type { Broker, PresenceStore } from './broker/broker.js';
import type { ControlBus } from './broker/control.js';
import { ConfigError } from './config/errors.js';
import type { RealtimeConfig } from './config/types.js';
import type { GatewayExtension } from './extension.js';
import type { Logger } from './log.js';

export interface Engine {
  broker?: Broker;
  presence?: PresenceStore;
  control?: ControlBus;
}

/** The memory engine (the gateway's default) or Redis, which several nodes share. */
export async function configuredEngine(config: RealtimeConfig, log: Logger): Promise<Engine> {
  const { type, redis } = config.engine;
  const { redisShards } = await import('./broker/redis-address.js');
  const shards = redisShards(redis);
  if ((type ?? (shards.length > 0 ? 'redis' : 'memory')) === 'memory' || shards.length === 0) return {};
  const { createRedisEngine } = await import('./broker/redis.js');
  const options = {
    shards,
    prefix: redis.prefix,
    connectTimeout: redis.connect_timeout,
    commandTimeout: redis.command_timeout,
    presenceTtl: redis.presence_ttl,
    nodeHeartbeat: redis.node_heartbeat,
  };
  try {
    return await createRedisEngine(options, log);
  } catch (error) {
    // An unreachable or mistaken Redis is a start-up problem of the configuration: named, no stack.
    throw new ConfigError([`engine.redis: ${(error as Error).message}`]);
  }
}

/** The optional features the configuration turns on, as gateway extensions. */
export async function configuredExtensions(config: RealtimeConfig): Promise<GatewayExtension[]> {
  const extensions: GatewayExtension[] = [];
  const admin = config.admin;
  if (admin.enabled) {
    const { createAdminExtension } = await import('./admin/index.js');
    extensions.push(
      createAdminExtension({
        enabled: true,
        broadcastChannel: admin.broadcast_channel,
        ...(admin.password ? { password: admin.password } : {}),
        ...(admin.secret ? { secret: admin.secret } : {}),
      }),
    );
  }
  const inbox = config.notifications;
  if (inbox.enabled) {
    // Loaded only when on: its SQLite driver is native and does not load under every runtime.
    const { createInboxExtension } = await import('./inbox/extension.js');
    extensions.push(
      createInboxExtension({
        ...(inbox.database_url ? { databaseUrl: inbox.database_url } : {}),
        dataDir: config.data_dir,
        channel: inbox.channel,
        broadcastChannel: inbox.broadcast_channel,
        purgeInterval: inbox.purge_interval,
        dismissedRetention: inbox.dismissed_retention,
      }),
    );
  }
  if (config.user_status.enabled || config.webhooks.enabled) {
    const { lifecycleExtensions } = await import('./webhooks/configured.js');
    extensions.push(...lifecycleExtensions(config));
  }
  return extensions;
}
