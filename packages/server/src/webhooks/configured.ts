import { ConfigError } from '../config/errors.js';
import type { RealtimeConfig } from '../config/types.js';
import type { GatewayExtension } from '../extension.js';
import { createUserStatusExtension } from '../status/extension.js';
import { createWebhooksExtension } from './extension.js';
import { secretKey } from './signature.js';

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
  if (problems.length > 0) throw new ConfigError(problems);

  const redis = (engine.type ?? (engine.redis.address ? 'redis' : 'memory')) === 'redis' ? engine.redis : undefined;
  const tracker = createUserStatusExtension({
    offlineGrace: status.offline_grace,
    lastSeenTtl: status.last_seen_ttl,
    ...(redis?.address ? { redis: { url: redis.address, prefix: redis.prefix, commandTimeout: redis.command_timeout, nodeLease: redis.node_heartbeat * 3 } } : {}),
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
