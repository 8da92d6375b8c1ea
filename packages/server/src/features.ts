import type { RealtimeConfig } from './config/types.js';
import type { GatewayExtension } from './extension.js';

/** The optional features the configuration turns on, as gateway extensions. */
export async function configuredExtensions(config: RealtimeConfig): Promise<GatewayExtension[]> {
  const extensions: GatewayExtension[] = [];
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
  return extensions;
}
