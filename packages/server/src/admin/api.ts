import { ApiErrorCodes, DisconnectCodes, clientReconnectsAfter, type DisconnectCode } from '@renum-realtime/protocol';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import type { ServerApi } from '../api/methods.js';
import { describeIssues } from '../api/schemas.js';
import { redactConfig } from '../config/redact.js';
import type { RealtimeNode } from '../core/index.js';
import type { AdminSource } from './source.js';
import type { StatsHistory } from './stats.js';

/** The inbox extension's server API method; notify works only when it is registered. */
export const NOTIFY_METHOD = 'notification_send';

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

  async features({ node, api, broadcastChannel }) {
    return { notify: api.has(NOTIFY_METHOD), broadcastChannel, environment: node.config.environment };
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
};
