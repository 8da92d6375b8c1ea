import { ApiErrorCodes } from '@renum-realtime/protocol';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import type { ExtensionApiMethod, GatewayExtension } from '../extension.js';
import { isoTime, parseBody } from './api-input.js';
import type { RealtimeNode } from '../core/index.js';
import { MemoryUserStatus, type UserStatusStore } from './store.js';
import type { OnlineUserReply, SnapshotReply, UserStatusReply } from './types.js';
import { UserStatusTracker, type TransitionListener } from './tracker.js';

export interface UserStatusOptions {
  /** ms the last connection must stay gone before the user is offline; default 5 s. */
  offlineGrace?: number;
  /** ms a last-seen time is kept; default 30 days. */
  lastSeenTtl?: number;
  /** Share the status of every node through this Redis; this node only (memory) when absent. */
  redis?: { url: string; prefix: string; commandTimeout?: number; nodeLease?: number };
}

export const USER_STATUS_DEFAULTS = { offlineGrace: 5_000, lastSeenTtl: 30 * 24 * 3600_000, nodeLease: 9_000 } as const;

const MAX_USERS = 1000;
const userId = z.string().min(1, 'must not be empty').max(255, 'at most 255 characters');
const statusRequest = z
  .strictObject({ user: userId.optional(), users: z.array(userId).min(1, 'give at least one user').max(MAX_USERS, `at most ${MAX_USERS} users`).optional() })
  .refine((body) => (body.user === undefined) !== (body.users === undefined), 'give either user or users');
const snapshotRequest = z.strictObject({ cursor: z.string().optional(), limit: z.number().int().min(1).max(MAX_USERS).default(MAX_USERS) });

/** Redis trouble is the caller's to retry, as for the engine's own API methods. */
async function unavailableOnFailure<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(ApiErrorCodes.temporarilyUnavailable, `user status: ${(error as Error).message}`);
  }
}

export interface UserStatusExtension extends GatewayExtension {
  /** Online/offline transitions this node decides (webhooks listen here). */
  onTransition(listener: TransitionListener): () => void;
  /** True for the memory store, which forgets on a crash: webhooks then keep who is online. */
  readonly resumable: boolean;
  /** After a crash: users reported online before it (see `UserStatusStore.resume`). Call after start. */
  resume(users: Array<{ user: string; since: number }>): void;
}

/**
 * Who is online across the cluster, as server API methods: `user_status` for some users and
 * `user_status_snapshot` (every online user, paged) for a back end that reconciles after missed
 * webhooks.
 */
export function createUserStatusExtension(options: UserStatusOptions = {}): UserStatusExtension {
  const graceMs = options.offlineGrace ?? USER_STATUS_DEFAULTS.offlineGrace;
  const lastSeenTtlMs = options.lastSeenTtl ?? USER_STATUS_DEFAULTS.lastSeenTtl;
  const pending = new Set<TransitionListener>();
  let tracker: UserStatusTracker | undefined;

  const running = (): UserStatusStore => {
    if (!tracker) throw new ApiError(ApiErrorCodes.temporarilyUnavailable, 'the gateway is starting or stopping');
    return tracker.statusStore;
  };
  const method = (handler: (store: UserStatusStore, body: unknown) => Promise<object>): ExtensionApiMethod =>
    async (_node, body) => unavailableOnFailure(() => handler(running(), body));

  async function openStore(node: RealtimeNode): Promise<UserStatusStore> {
    if (!options.redis) return new MemoryUserStatus(graceMs, lastSeenTtlMs);
    const { RedisUserStatus } = await import('./redis.js');
    const { url, prefix, commandTimeout = 1000, nodeLease = USER_STATUS_DEFAULTS.nodeLease } = options.redis;
    return new RedisUserStatus({ url, prefix, node: node.uid, graceMs, lastSeenTtlMs, nodeLeaseMs: nodeLease, commandTimeoutMs: commandTimeout }, node.log.child({ component: 'user_status' }));
  }

  return {
    name: 'user_status',
    api: {
      user_status: method(async (store, body) => {
        const request = parseBody(statusRequest, body);
        const statuses = await store.status(request.users ?? [request.user!], Date.now());
        return { users: statuses.map((s): UserStatusReply => ({ ...s, last_seen: isoTime(s.last_seen), online_since: isoTime(s.online_since) })) };
      }),
      user_status_snapshot: method(async (store, body) => {
        const request = parseBody(snapshotRequest, body);
        const at = new Date().toISOString();
        const page = await store.snapshot(request.cursor, request.limit);
        const reply: SnapshotReply = { at, users: page.users.map((u): OnlineUserReply => ({ ...u, online_since: isoTime(u.online_since)! })), next_cursor: page.next_cursor };
        return reply;
      }),
    },
    resumable: !options.redis,
    resume(users) {
      if (!tracker) throw new TypeError('user status: start it before the extensions that resume it');
      tracker.statusStore.resume?.(users, Date.now());
    },
    onTransition(listener) {
      if (tracker) return tracker.onTransition(listener);
      pending.add(listener);
      return () => pending.delete(listener);
    },
    async start({ node }) {
      const log = node.log.child({ component: 'user_status' });
      // Often enough that an offline is reported close to the end of its grace period.
      const sweepEvery = Math.max(50, Math.min(1000, graceMs / 4));
      tracker = new UserStatusTracker(await openStore(node), sweepEvery, log);
      for (const listener of pending) tracker.onTransition(listener);
      tracker.start(node);
      log.info({ event: 'user_status_started', store: options.redis ? 'redis' : 'memory', offline_grace_ms: graceMs }, 'user status ready');
    },
    async stop() {
      await tracker?.stop();
      tracker = undefined;
    },
  };
}
