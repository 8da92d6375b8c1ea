import { redisShards, type RedisShardAddress } from '../broker/redis-address.js';
import { ConfigError } from '../config/errors.js';
import type { RealtimeConfig } from '../config/types.js';
import type { GatewayExtension } from '../extension.js';
import { createUserStatusExtension } from '../status/extension.js';
import { createWebhooksExtension } from './extension.js';
import { secretKey } from './signature.js';

function standaloneUrl(shard: Extract<RedisShardAddress, { mode: 'standalone' }>): string {
  const auth = shard.password ? `${encodeURIComponent(shard.user ?? '')}:${encodeURIComponent(shard.password)}@` : '';
  return `${shard.tls ? 'rediss' : 'redis'}://${auth}${shard.host.host}:${shard.host.port}/${shard.db}`;
}

/**
 * `user_status` and `webhooks` from the config, as extensions. Webhooks need the status tracker
 * for `user.online`/`user.offline`, so turning them on turns it on too. With the Redis engine the
 * status is shared by every node through the engine's Redis.
 */
export function lifecycleExtensions(config: RealtimeConfig): GatewayExtension[] {
  const { webhooks, user_status: status, engine } = config;
  const problems: string[] = [];
  if (webhooks.enabled && !webhooks.url) problems.push('webhooks.url: required when webhooks.enabled is true — the receiver, e.g. "https://api.example.com/realtime/webhooks"');
  if (webhooks.enabled && !webhooks.secret) problems.push('webhooks.secret: required when webhooks.enabled is true — a Standard Webhooks secret, whsec_ + base64 of 24+ random bytes');
  if (webhooks.secret) {
    try {
      secretKey(webhooks.secret);
    } catch (error) {
      problems.push(`${(error as Error).message} — generate one with: node -e "console.log('whsec_' + require('crypto').randomBytes(24).toString('base64'))"`);
    }
  }
  const redis = (engine.type ?? (engine.redis.address ? 'redis' : 'memory')) === 'redis' ? engine.redis : undefined;
  // The status store keeps one Redis of its own: the first standalone shard, the same on every node.
  const shard = redis ? redisShards(redis)[0] : undefined;
  if (shard && shard.mode !== 'standalone') {
    problems.push(`user_status: keeping who is online in a Redis ${shard.mode} is not supported yet — use a standalone engine.redis.address (or shards), or turn user_status and webhooks off`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const url = shard?.mode === 'standalone' ? standaloneUrl(shard) : undefined;
  const tracker = createUserStatusExtension({
    offlineGrace: status.offline_grace,
    lastSeenTtl: status.last_seen_ttl,
    ...(redis && url ? { redis: { url, prefix: redis.prefix, commandTimeout: redis.command_timeout, nodeLease: redis.node_heartbeat * 3 } } : {}),
  });
  if (!webhooks.enabled) return [tracker];
  return [
    tracker,
    createWebhooksExtension({
      url: webhooks.url!,
      secret: webhooks.secret!,
      events: webhooks.events,
      ...(config.notifications.database_url ? { databaseUrl: config.notifications.database_url } : {}),
      dataDir: config.data_dir,
      timeout: webhooks.timeout,
      retryPeriod: webhooks.retry_period,
      retryInitialInterval: webhooks.retry_initial_interval,
      retryMaxInterval: webhooks.retry_max_interval,
      concurrency: webhooks.concurrency,
      status: tracker,
    }),
  ];
}
