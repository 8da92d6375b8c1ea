/**
 * Who is online, across every node: each connection is recorded under its user, and a user whose
 * last connection closed becomes offline only after a grace period, so a page reload (close, then
 * connect again a moment later) is no offline/online pair. The memory store serves one node; the
 * Redis store (redis.ts) the cluster, where each transition is decided atomically once.
 */

export interface UserStatus {
  user: string;
  online: boolean;
  /** Open connections of the user on every node. */
  connections: number;
  /** ms since epoch: now while online, else when their last connection closed; null if never seen. */
  last_seen: number | null;
  /** ms since epoch the user has been online without a break (grace periods included). */
  online_since: number | null;
}

export interface OnlineUser {
  user: string;
  connections: number;
  online_since: number;
}

export interface SnapshotPage {
  users: OnlineUser[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** A user's status changed: the first connection anywhere, or the last one gone past the grace period. */
export type StatusTransition =
  | { type: 'online'; user: string; at: number }
  | { type: 'offline'; user: string; at: number; last_seen: number };

export interface UserStatusStore {
  /** Records a connection; `true` when it makes the user online (not when it ends a grace period). */
  connected(user: string, client: string, at: number): Promise<boolean>;
  /** Forgets a connection; the user's last one starts their grace period. */
  disconnected(user: string, client: string, at: number): Promise<void>;
  /**
   * Users whose grace period has ended with no connection, now offline. Each is reported to one
   * caller only, however many nodes sweep. Also keeps this node's entries alive (Redis).
   */
  sweep(now: number): Promise<Array<{ user: string; last_seen: number }>>;
  status(users: string[], now: number): Promise<UserStatus[]>;
  /**
   * Users a crashed predecessor of this node had reported online: each is online without a
   * connection, in their grace period from `now`, so they go offline unless they come back.
   * Only a memory store needs it; Redis outlives the node.
   */
  resume?(users: Array<{ user: string; since: number }>, now: number): void;
  /** Online users in user id order, `limit` at a time, after `cursor` (a user id). */
  snapshot(cursor: string | undefined, limit: number): Promise<SnapshotPage>;
  close(): Promise<void>;
}

interface MemoryEntry {
  clients: Set<string>;
  since: number;
  /** ms deadline of the grace period, while it runs. */
  graceEnds?: number;
}

/** One node's users, in process memory. */
export class MemoryUserStatus implements UserStatusStore {
  private readonly online = new Map<string, MemoryEntry>();
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly graceMs: number,
    private readonly lastSeenTtlMs: number,
  ) {}

  async connected(user: string, client: string, at: number): Promise<boolean> {
    const entry = this.online.get(user);
    if (entry) {
      entry.clients.add(client);
      delete entry.graceEnds;
      return false;
    }
    this.online.set(user, { clients: new Set([client]), since: at });
    return true;
  }

  async disconnected(user: string, client: string, at: number): Promise<void> {
    const entry = this.online.get(user);
    if (!entry?.clients.delete(client)) return;
    this.lastSeen.set(user, at);
    if (entry.clients.size === 0) entry.graceEnds = at + this.graceMs;
  }

  resume(users: Array<{ user: string; since: number }>, now: number): void {
    for (const { user, since } of users) {
      if (this.online.has(user)) continue;
      this.online.set(user, { clients: new Set(), since, graceEnds: now + this.graceMs });
      this.lastSeen.set(user, now);
    }
  }

  async sweep(now: number): Promise<Array<{ user: string; last_seen: number }>> {
    const gone: Array<{ user: string; last_seen: number }> = [];
    for (const [user, entry] of this.online) {
      if (entry.graceEnds === undefined || entry.graceEnds > now) continue;
      this.online.delete(user);
      gone.push({ user, last_seen: this.lastSeen.get(user) ?? now });
    }
    for (const [user, seen] of this.lastSeen) {
      if (seen + this.lastSeenTtlMs < now && !this.online.has(user)) this.lastSeen.delete(user);
    }
    return gone;
  }

  async status(users: string[], now: number): Promise<UserStatus[]> {
    return users.map((user) => {
      const entry = this.online.get(user);
      if (entry) return { user, online: true, connections: entry.clients.size, last_seen: entry.clients.size > 0 ? now : (this.lastSeen.get(user) ?? now), online_since: entry.since };
      return { user, online: false, connections: 0, last_seen: this.lastSeen.get(user) ?? null, online_since: null };
    });
  }

  async snapshot(cursor: string | undefined, limit: number): Promise<SnapshotPage> {
    const users = [...this.online.keys()].filter((user) => cursor === undefined || user > cursor).sort();
    const page = users.slice(0, limit).map((user) => {
      const entry = this.online.get(user)!;
      return { user, connections: entry.clients.size, online_since: entry.since };
    });
    return { users: page, next_cursor: users.length > limit ? page.at(-1)!.user : null };
  }

  async close(): Promise<void> {}
}
