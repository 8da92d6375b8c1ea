import { ApiError } from '../api/errors.js';
import type { ExtensionApiMethod, GatewayExtension } from '../extension.js';
import type { Logger } from '../log.js';
import { RpcError, type ChannelSpec, type RealtimeNode, type RpcCall, type RpcHandler } from '../core/index.js';
import { databaseUnready, isDatabaseUnreachable, openInboxDatabase, type InboxDatabase } from './dialects.js';
import { InboxError, InboxErrors, parse } from './errors.js';
import { migrateInbox } from './migrations.js';
import { backOfficeListSchema, dismissSchema, emptySchema, listSchema, markReadSchema, removeSchema, sendSchema } from './schemas.js';
import { InboxService, type InboxEvent, type InboxPublisher } from './service.js';
import { InboxStore } from './store.js';

export interface InboxOptions {
  /** `postgres://…` for PostgreSQL, `sqlite:<path>` for a given SQLite file; unset: SQLite in dataDir. */
  databaseUrl?: string;
  /** Where the default `inbox.sqlite` lives; the gateway's `data_dir` when unset. */
  dataDir?: string;
  /** Personal channel of user U is `<channel>#U`; its namespace needs `allow_user_limited_channels`. */
  channel?: string;
  /** Where broadcast notifications are announced; every client subscribes to it. */
  broadcastChannel?: string;
  /** ms between retention runs; 0 turns the timer off. */
  purgeInterval?: number;
  /** ms a dismissed notification is kept before the purge deletes it. */
  dismissedRetention?: number;
}

const DAY = 24 * 60 * 60 * 1000;
export const INBOX_DEFAULTS = {
  channel: 'notifications:inbox',
  broadcastChannel: 'notifications:broadcast',
  purgeInterval: 60 * 60 * 1000,
  dismissedRetention: 30 * DAY,
} as const;

/** A `,` would name a second user and a `#` would move the user boundary in the channel name. */
const CHANNEL_UNSAFE_USER = /[,#]/;

function resolveChannel(node: RealtimeNode, name: string): ChannelSpec {
  const resolved = node.channels.resolve(name);
  if (!resolved.ok) throw new TypeError(`inbox: channel "${name}" does not resolve (${resolved.error.message}); add its namespace to channel.namespaces`);
  return resolved.spec;
}

/** Publishes inbox events as API publications on the user's channel or the broadcast channel. */
function channelPublisher(node: RealtimeNode, channel: string, broadcast: ChannelSpec): InboxPublisher {
  const userLimited = resolveChannel(node, `${channel}#check`);
  if (!userLimited.options.allow_user_limited_channels) {
    throw new TypeError(`inbox: namespace "${userLimited.namespace}" of channel "${channel}" needs allow_user_limited_channels: true`);
  }
  return {
    async toUser(user: string, event: InboxEvent) {
      const resolved = CHANNEL_UNSAFE_USER.test(user) ? undefined : node.channels.resolve(`${channel}#${user}`);
      if (!resolved?.ok) {
        node.log.warn({ event: 'inbox_no_channel', user }, 'user id cannot name a personal channel; no live delivery');
        return;
      }
      await node.hub.publish(resolved.spec, { data: event }, 'api');
    },
    async toEveryone(event: InboxEvent) {
      await node.hub.publish(broadcast, { data: event }, 'api');
    },
  };
}

function rpcError(error: unknown): unknown {
  if (!(error instanceof InboxError)) return error;
  return new RpcError({ code: InboxErrors[error.kind].code, message: error.message });
}

function apiError(error: unknown): unknown {
  if (!(error instanceof InboxError)) return error;
  return new ApiError(InboxErrors[error.kind].api, error.detail);
}

/**
 * The notification inbox as a gateway extension: `notifications.*` RPC methods for clients,
 * `notification_*` server API methods for back ends, and the retention timer.
 */
export function createInboxExtension(options: InboxOptions = {}): GatewayExtension {
  let database: InboxDatabase | undefined;
  let service: InboxService | undefined;
  let timer: NodeJS.Timeout | undefined;
  let logger: Logger | undefined;
  const channel = options.channel ?? INBOX_DEFAULTS.channel;
  const purgeInterval = options.purgeInterval ?? INBOX_DEFAULTS.purgeInterval;
  const retention = options.dismissedRetention ?? INBOX_DEFAULTS.dismissedRetention;

  const running = (): InboxService => {
    if (!service) throw new InboxError('unavailable', 'the gateway is starting or stopping');
    return service;
  };
  /** A database out of reach is the inbox being unavailable: callers may retry, the log says why. */
  const unavailable = (method: string, error: unknown): unknown => {
    if (!isDatabaseUnreachable(error)) return error;
    logger?.warn({ event: 'inbox_database_unavailable', method, err: (error as Error).message }, 'inbox call failed: database unreachable');
    return new InboxError('unavailable', 'the inbox database did not answer; retry');
  };
  const rpc = (method: string, handler: (service: InboxService, user: string, data: unknown) => Promise<object>): [string, RpcHandler] => [
    method,
    async ({ user, data }: RpcCall) => {
      try {
        if (user === '') throw new InboxError('unauthenticated', 'connect with a token that names a user');
        return (await handler(running(), user, data)) as never;
      } catch (error) {
        throw rpcError(unavailable(method, error));
      }
    },
  ];
  const api = (method: string, handler: (service: InboxService, body: unknown) => Promise<object>): [string, ExtensionApiMethod] => [
    method,
    async (_node, body) => {
      try {
        return await handler(running(), body);
      } catch (error) {
        throw apiError(unavailable(method, error));
      }
    },
  ];

  return {
    name: 'inbox',
    rpc: Object.fromEntries([
      rpc('notifications.list', (s, user, data) => s.list(user, parse(listSchema, data))),
      rpc('notifications.unread_count', (s, user, data) => {
        parse(emptySchema, data);
        return s.unreadCount(user);
      }),
      rpc('notifications.mark_read', (s, user, data) => {
        const request = parse(markReadSchema, data);
        return s.markRead(user, request.all ? 'all' : request.ids!);
      }),
      rpc('notifications.dismiss', (s, user, data) => s.dismiss(user, parse(dismissSchema, data).ids)),
    ]),
    api: Object.fromEntries([
      api('notification_send', (s, body) => s.send(parse(sendSchema, body))),
      api('notification_list', (s, body) => {
        const request = parse(backOfficeListSchema, body);
        return request.user === undefined ? s.listAll(request) : s.list(request.user, { ...request, include_dismissed: true });
      }),
      api('notification_remove', (s, body) => s.remove(parse(removeSchema, body).id)),
    ]),

    async start({ node }) {
      const publisher = channelPublisher(node, channel, resolveChannel(node, options.broadcastChannel ?? INBOX_DEFAULTS.broadcastChannel));
      const log = node.log.child({ component: 'inbox' });
      logger = log;
      database = await openInboxDatabase(options.databaseUrl, options.dataDir ?? node.config.data_dir, (error) => log.error({ err: error.message }, 'inbox database connection failed'));
      let applied: string[];
      try {
        applied = await migrateInbox(database.maintenance);
      } catch (error) {
        await database.close();
        database = undefined;
        throw error;
      }
      log.info({ event: 'inbox_started', dialect: database.dialect, database: database.location, migrations: applied }, 'notification inbox ready');
      service = new InboxService(new InboxStore(database.db), publisher, log);
      const retentionRuns = new InboxService(new InboxStore(database.maintenance), publisher, log);
      if (purgeInterval > 0) {
        timer = setInterval(() => {
          retentionRuns.purge(retention).then(
            (purged) => purged.expired + purged.dismissed > 0 && log.info({ event: 'inbox_purged', ...purged }, 'inbox retention run'),
            (error: unknown) => log.error({ err: error }, 'inbox retention run failed'),
          );
        }, purgeInterval);
        timer.unref();
      }
    },

    unready: () => databaseUnready(database),

    async stop() {
      clearInterval(timer);
      service = undefined;
      await database?.close();
      database = undefined;
    },
  };
}
