import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { OnlineUser, SnapshotPage, UserStatus, UserStatusStore } from './store.js';

/**
 * User status in Redis, shared by every node. Keys, for prefix `renum:`:
 * `renum:status.online` (zset, score 0, so pages go by user id), `renum:status.since` (hash user →
 * ms), `renum:status.conns.<user>` (hash client → node), `renum:status.node.<uid>` (hash client →
 * user: what a dead node held), `renum:status.nodes` (zset uid → lease end), `renum:status.pending`
 * (zset user → end of grace) and `renum:status.seen.<user>` (ms, expires after last_seen_ttl).
 *
 * Each transition is one Lua script, so two nodes never both report a user online or offline.
 * Scripts build key names from the prefix: this store needs one Redis primary, as the engine does.
 */

const CONNECT = `
local p, user, client, node, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('HSET', p..'conns.'..user, client, node)
redis.call('HSET', p..'node.'..node, client, user)
if redis.call('ZREM', p..'pending', user) == 1 then return 0 end
if redis.call('ZADD', p..'online', 'NX', 0, user) == 1 then
  redis.call('HSET', p..'since', user, now)
  return 1
end
return 0`;

const FORGET_CONNECTION = `
local function forget(p, user, client, now, grace, ttl)
  if redis.call('HDEL', p..'conns.'..user, client) == 0 then return end
  redis.call('SET', p..'seen.'..user, now, 'PX', ttl)
  if redis.call('HLEN', p..'conns.'..user) == 0 and redis.call('ZSCORE', p..'online', user) then
    redis.call('ZADD', p..'pending', now + grace, user)
  end
end`;

const DISCONNECT = `${FORGET_CONNECTION}
local p, user, client, node, now, grace, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
redis.call('HDEL', p..'node.'..node, client)
forget(p, user, client, now, grace, ttl)
return 1`;

/** Renews this node's lease, forgets the connections of nodes whose lease ran out, ends grace periods. */
const SWEEP = `${FORGET_CONNECTION}
local p, node, now, lease, grace, ttl, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local rejoined = redis.call('ZADD', p..'nodes', lease, node)
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', p..'nodes', '-inf', now)) do
  local held = redis.call('HGETALL', p..'node.'..uid)
  for i = 1, #held, 2 do forget(p, held[i + 1], held[i], now, grace, ttl) end
  redis.call('DEL', p..'node.'..uid)
  redis.call('ZREM', p..'nodes', uid)
end
local gone = { rejoined }
for _, user in ipairs(redis.call('ZRANGEBYSCORE', p..'pending', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', p..'pending', user)
  if redis.call('HLEN', p..'conns.'..user) == 0 then
    redis.call('ZREM', p..'online', user)
    redis.call('HDEL', p..'since', user)
    gone[#gone + 1] = user
    gone[#gone + 1] = redis.call('GET', p..'seen.'..user) or tostring(now)
  end
end
return gone`;

const SWEEP_BATCH = 500;

export interface RedisStatusOptions {
  url: string;
  /** The engine's prefix; keys go under `<prefix>status.`. */
  prefix: string;
  /** This node's id: its connections are filed under it, and forgotten when its lease runs out. */
  node: string;
  graceMs: number;
  lastSeenTtlMs: number;
  /** ms a node's entries outlive its last sweep; a killed node's users go offline after it (+ grace). */
  nodeLeaseMs: number;
  commandTimeoutMs: number;
}

type Scripted = Redis & Record<'statusConnect' | 'statusDisconnect' | 'statusSweep', (...args: Array<string | number>) => Promise<unknown>>;

export class RedisUserStatus implements UserStatusStore {
  private readonly redis: Scripted;
  private readonly keys: string;
  /** This node's connections, to file again if another node took this one for dead. */
  private readonly local = new Map<string, string>();

  constructor(
    private readonly options: RedisStatusOptions,
    log: Logger,
  ) {
    this.keys = `${options.prefix}status.`;
    const redis = new Redis(options.url, { commandTimeout: options.commandTimeoutMs, maxRetriesPerRequest: 2, lazyConnect: false });
    redis.on('error', (error: Error) => log.warn({ event: 'user_status_redis_error', err: error.message }, 'user status: Redis error'));
    redis.defineCommand('statusConnect', { numberOfKeys: 0, lua: CONNECT });
    redis.defineCommand('statusDisconnect', { numberOfKeys: 0, lua: DISCONNECT });
    redis.defineCommand('statusSweep', { numberOfKeys: 0, lua: SWEEP });
    this.redis = redis as Scripted;
  }

  async connected(user: string, client: string, at: number): Promise<boolean> {
    this.local.set(client, user);
    return (await this.redis.statusConnect(this.keys, user, client, this.options.node, at)) === 1;
  }

  async disconnected(user: string, client: string, at: number): Promise<void> {
    this.local.delete(client);
    const { graceMs, lastSeenTtlMs, node } = this.options;
    await this.redis.statusDisconnect(this.keys, user, client, node, at, graceMs, lastSeenTtlMs);
  }

  async sweep(now: number): Promise<Array<{ user: string; last_seen: number }>> {
    const { graceMs, lastSeenTtlMs, node, nodeLeaseMs } = this.options;
    const [rejoined, ...flat] = (await this.redis.statusSweep(this.keys, node, now, now + nodeLeaseMs, graceMs, lastSeenTtlMs, SWEEP_BATCH)) as [number, ...string[]];
    // Our lease had run out (a long pause): someone forgot our connections; file them again.
    if (rejoined === 1) for (const [client, user] of this.local) await this.redis.statusConnect(this.keys, user, client, node, now);
    const gone: Array<{ user: string; last_seen: number }> = [];
    for (let i = 0; i < flat.length; i += 2) gone.push({ user: flat[i]!, last_seen: Number(flat[i + 1]) });
    return gone;
  }

  async status(users: string[], now: number): Promise<UserStatus[]> {
    const pipeline = this.redis.pipeline();
    for (const user of users) {
      pipeline.zscore(`${this.keys}online`, user).hlen(`${this.keys}conns.${user}`).hget(`${this.keys}since`, user).get(`${this.keys}seen.${user}`);
    }
    const replies = (await pipeline.exec()) ?? [];
    return users.map((user, i) => {
      const [score, connections, since, seen] = replies.slice(i * 4, i * 4 + 4).map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [string | null, number, string | null, string | null];
      const online = score !== null;
      return {
        user,
        online,
        connections,
        last_seen: online && connections > 0 ? now : seen === null ? null : Number(seen),
        online_since: online && since !== null ? Number(since) : null,
      };
    });
  }

  async snapshot(cursor: string | undefined, limit: number): Promise<SnapshotPage> {
    const ids = await this.redis.zrangebylex(`${this.keys}online`, cursor === undefined ? '-' : `(${cursor}`, '+', 'LIMIT', 0, limit + 1);
    const page = ids.slice(0, limit);
    const pipeline = this.redis.pipeline();
    for (const user of page) pipeline.hlen(`${this.keys}conns.${user}`).hget(`${this.keys}since`, user);
    const replies = (await pipeline.exec()) ?? [];
    const users: OnlineUser[] = page.map((user, i) => ({ user, connections: Number(replies[i * 2]?.[1] ?? 0), online_since: Number(replies[i * 2 + 1]?.[1] ?? 0) }));
    return { users, next_cursor: ids.length > limit ? page.at(-1)! : null };
  }

  /** Waits for the calls already sent (the last disconnects of a drain), then closes. */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
