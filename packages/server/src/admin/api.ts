import { ApiErrorCodes, DisconnectCodes, clientReconnectsAfter, type DisconnectCode } from '@renum-realtime/protocol';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import type { ServerApi } from '../api/methods.js';
import { describeIssues } from '../api/schemas.js';
import { redactConfig } from '../config/redact.js';
import type { RealtimeNode } from '../core/index.js';
import type { AdminSource } from './source.js';
import type { ChannelAudience } from './types.js';
import type { StatsHistory } from './stats.js';

/** The inbox extension's server API method; notify works only when it is registered. */
export const NOTIFY_METHOD = 'notification_send';
/** The webhooks and user status extensions' API methods; their views work only when registered. */
export const WEBHOOK_METHODS = { stats: 'webhook_stats', deadLetters: 'webhook_dead_letters', retry: 'webhook_retry' } as const;
export const USER_STATUS_METHODS = { status: 'user_status', snapshot: 'user_status_snapshot' } as const;

export interface AdminApiContext {
  node: RealtimeNode;
  api: ServerApi;
  source: AdminSource;
  stats: StatsHistory;
  broadcastChannel: string;
}

export type AdminHandler = (ctx: AdminApiContext, input: { query: URLSearchParams; body: unknown }) => Promise<object>;

const disconnectBody = z.object({
  client: z.string().min(1, 'client is required'),
  /** The connection's user, as listed ("" for anonymous): the control bus selects by user first. */
  user: z.string(),
  code: z.number().int().min(3000, 'code must be 3000–4999').max(4999, 'code must be 3000–4999'),
});
const publishBody = z.object({ channel: z.string().min(1, 'channel is required'), data: z.unknown().refine((v) => v !== undefined, 'data is required') });
const broadcastBody = z.object({ data: z.unknown().refine((v) => v !== undefined, 'data is required') });
/** The inbox's `notification_send` body (src/inbox/schemas.ts) minus what the page does not offer. */
const notifyBody = z.object({
  user: z.string().min(1, 'user is required').optional(),
  all: z.literal(true).optional(),
  type: z.string().min(1, 'type is required').default('admin.notice'),
  title: z.string().min(1, 'title is required'),
  body: z.string().default(''),
}).refine((value) => (value.user === undefined) !== (value.all === undefined), 'give either user or all: true');

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ApiError(ApiErrorCodes.badRequest, describeIssues(parsed.error));
  return parsed.data;
}

/** A known code keeps its table reason; any other 3000–4999 code is an operator's custom close. */
function disconnectCode(code: number): DisconnectCode {
  const known = Object.values(DisconnectCodes).find((entry) => entry.code === code);
  return known ?? { code, reason: 'disconnected by admin', reconnect: clientReconnectsAfter(code) };
}

/** Who can receive a publication to a channel, said before the page sends one. */
function channelAudience(node: RealtimeNode, channel: string): ChannelAudience {
  const resolved = node.channels.resolve(channel);
  if (!resolved.ok) {
    const why = resolved.error.code === ApiErrorCodes.unknownChannel.code ? 'its namespace is not configured (add it to channel.namespaces)' : `the name is refused (${resolved.error.message})`;
    return { channel, clientsMaySubscribe: false, how: `No client may subscribe to ${channel}: ${why}; publishing to it fails.` };
  }
  const { options, isPrivate, allowedUsers, namespace } = resolved.spec;
  if (isPrivate) return { channel, clientsMaySubscribe: true, how: 'Clients with a subscription token for it ($ channel).' };
  if (options.allow_user_limited_channels && allowedUsers) return { channel, clientsMaySubscribe: true, how: `The users named after #: ${allowedUsers.join(', ') || 'none'}.` };
  if (node.config.client.insecure) return { channel, clientsMaySubscribe: true, how: 'Any client (client.insecure is on).' };
  if (options.allow_subscribe_for_client) return { channel, clientsMaySubscribe: true, how: options.allow_subscribe_for_anonymous ? 'Any client, anonymous ones too.' : 'Any signed-in client.' };
  const where = namespace ? `namespace "${namespace}"` : 'channels without a namespace';
  return {
    channel,
    clientsMaySubscribe: false,
    how: `No client may subscribe to ${channel}: ${where} has allow_subscribe_for_client off, so only connections whose token lists it in "channels" receive it. Turn allow_subscribe_for_client on for ${where} to let clients subscribe.`,
  };
}

/** GET endpoints: they read, so they need the session cookie but no CSRF token. */
export const readHandlers: Record<string, AdminHandler> = {
  async overview({ source, stats }) {
    const nodes = await source.nodes();
    const sum = (pick: (n: (typeof nodes)[number]) => number) => nodes.reduce((total, n) => total + pick(n), 0);
    return {
      nodes,
      totals: { nodes: nodes.length, connections: sum((n) => n.connections), users: await source.users(), channels: sum((n) => n.channels), subscriptions: sum((n) => n.subscriptions) },
      samples: stats.list(),
    };
  },

  async connections({ source }, { query }) {
    const filter = { user: query.get('user') ?? '', channel: query.get('channel') ?? '', origin: query.get('origin') ?? '', client: query.get('client') ?? '' };
    return { connections: await source.connections(filter) };
  },

  async channels({ source }, { query }) {
    return { channels: await source.channels(query.get('q') ?? '') };
  },

  async channel({ source }, { query }) {
    const name = query.get('name');
    if (!name) throw new ApiError(ApiErrorCodes.badRequest, 'name is required');
    return source.channel(name);
  },

  async fallbacks({ source }) {
    return { fallbacks: await source.fallbacks() };
  },

  async rejections({ source }) {
    return { rejections: await source.rejections() };
  },

  async config({ node }) {
    return { config: redactConfig(node.config) };
  },

  async audience({ node }, { query }) {
    const channel = query.get('channel');
    if (!channel) throw new ApiError(ApiErrorCodes.badRequest, 'channel is required');
    return channelAudience(node, channel);
  },

  async features({ node, api, broadcastChannel }) {
    return { notify: api.has(NOTIFY_METHOD), broadcastChannel, environment: node.config.environment };
  },

  /** The webhooks extension's outbox and dead letters, through its API methods. */
  async webhooks({ api }, { query }) {
    if (!api.has(WEBHOOK_METHODS.stats)) return { enabled: false };
    const cursor = query.get('cursor');
    const [stats, deadLetters] = await Promise.all([api.call(WEBHOOK_METHODS.stats, {}), api.call(WEBHOOK_METHODS.deadLetters, { limit: 50, ...(cursor ? { cursor } : {}) })]);
    return { enabled: true, stats, deadLetters };
  },

  /** One user's status, or (no `user`) the users online now, through the user status API. */
  async user_status({ api }, { query }) {
    if (!api.has(USER_STATUS_METHODS.status)) return { enabled: false };
    const user = query.get('user');
    if (user) return { enabled: true, user: ((await api.call(USER_STATUS_METHODS.status, { user })) as { users: unknown[] }).users[0] };
    return { enabled: true, online: await api.call(USER_STATUS_METHODS.snapshot, { limit: 100 }) };
  },
};

/** POST endpoints: they change something, so they also need the CSRF token. */
export const writeHandlers: Record<string, AdminHandler> = {
  /** Through the server API's disconnect, so the control bus reaches the node holding the client. */
  async disconnect({ node, api }, { body }) {
    const request = parse(disconnectBody, body);
    const code = disconnectCode(request.code);
    await api.call('disconnect', { user: request.user, client: request.client, disconnect: { code: code.code, reason: code.reason } });
    node.log.info({ event: 'admin_disconnect', client: request.client, user: request.user, code: code.code }, 'admin disconnected a client');
    return { code: code.code, reason: code.reason };
  },

  async publish({ api }, { body }) {
    const request = parse(publishBody, body);
    return api.call('publish', request);
  },

  /**
   * Broadcast = one publication to the configured broadcast channel: the broker carries it to
   * every node once, history and recovery apply, and clients opt in by subscribing to it.
   */
  async broadcast({ api, broadcastChannel }, { body }) {
    const request = parse(broadcastBody, body);
    return { channel: broadcastChannel, ...(await api.call('publish', { channel: broadcastChannel, data: request.data })) };
  },

  async notify({ api }, { body }) {
    if (!api.has(NOTIFY_METHOD)) throw new ApiError(ApiErrorCodes.notAvailable, 'the notification inbox is not enabled on this gateway');
    return api.call(NOTIFY_METHOD, parse(notifyBody, body));
  },

  /** Dead letters back in line: `{ids}` or `{all: true}`, validated by the webhooks extension. */
  async webhook_retry({ api, node }, { body }) {
    if (!api.has(WEBHOOK_METHODS.retry)) throw new ApiError(ApiErrorCodes.notAvailable, 'webhooks are not enabled on this gateway');
    const result = await api.call(WEBHOOK_METHODS.retry, body ?? {});
    node.log.info({ event: 'admin_webhook_retry', ...result }, 'admin put dead-lettered webhooks back in line');
    return result;
  },
};
