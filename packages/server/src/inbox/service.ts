import { randomBytes } from 'node:crypto';
import type { JsonValue } from '@renum-realtime/protocol';
import type { Logger } from '../log.js';
import { InboxError } from './errors.js';
import type { SendRequest } from './schemas.js';
import type { Cursor, InboxStore, NewNotification, StateField, StoredNotification } from './store.js';

/** What a client sees of a notification; times are ISO 8601, null when unset. */
export interface NotificationItem {
  [key: string]: JsonValue;
  id: string;
  type: string;
  title: string;
  body: string;
  data: JsonValue;
  action: string | null;
  created_at: string;
  read_at: string | null;
  dismissed_at: string | null;
  expires_at: string | null;
}

export type InboxEvent =
  | { type: 'notification.created'; notification: NotificationItem }
  | { type: 'notification.updated'; ids: string[]; read_at?: string; dismissed_at?: string; unread_count: number }
  | { type: 'notification.removed'; id: string };

/** Where live events go; the extension publishes them on gateway channels. */
export interface InboxPublisher {
  toUser(user: string, event: InboxEvent): Promise<void>;
  toEveryone(event: InboxEvent): Promise<void>;
}

export interface Page {
  items: NotificationItem[];
  next_cursor: string | null;
}

/**
 * Time-ordered UUIDs (RFC 9562 version 7) with a 12-bit counter in `rand_a` (§6.2 method 1), so
 * ids made by one process in the same millisecond still sort in the order they were made.
 */
export function uuidv7Generator(): (now: number) => string {
  let lastMs = -1;
  let sequence = 0;
  return (now) => {
    sequence = now === lastMs ? (sequence + 1) & 0xfff : 0;
    lastMs = now;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(now, 0, 6);
    bytes[6] = 0x70 | (sequence >> 8);
    bytes[7] = sequence & 0xff;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toItem(n: StoredNotification): NotificationItem {
  return {
    id: n.id,
    type: n.type,
    title: n.title,
    body: n.body,
    data: n.data === null ? null : (JSON.parse(n.data) as JsonValue),
    action: n.action,
    created_at: iso(n.created_at)!,
    read_at: iso(n.read_at),
    dismissed_at: iso(n.dismissed_at),
    expires_at: iso(n.expires_at),
  };
}

/** Cursors are opaque to clients: base64url of the last item's (created_at, id). */
function encodeCursor(n: StoredNotification): string {
  return Buffer.from(JSON.stringify([n.created_at, n.id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [created_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (Number.isSafeInteger(created_at) && typeof id === 'string') return { created_at: created_at as number, id };
  } catch {
    // falls through to the error below
  }
  throw new InboxError('badRequest', 'cursor: not a cursor this server returned');
}

function page(rows: StoredNotification[], limit: number, item = toItem): Page {
  const last = rows[limit - 1];
  return { items: rows.slice(0, limit).map(item), next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/**
 * The inbox rules over the store: who sees what, and the live event after every committed change.
 * Events go out only after the commit, and a failed publish never fails the call: the state is
 * already safe, and a client catches up with `notifications.list` when it reconnects.
 */
export class InboxService {
  private readonly nextId = uuidv7Generator();

  constructor(
    private readonly store: InboxStore,
    private readonly publisher: InboxPublisher,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async send(request: SendRequest): Promise<{ id: string }> {
    const now = this.clock();
    if (request.expires_at !== undefined && request.expires_at <= now) throw new InboxError('badRequest', 'expires_at: is in the past');
    const row: NewNotification = {
      id: this.nextId(now),
      type: request.type,
      title: request.title,
      body: request.body,
      data: request.data === undefined ? null : JSON.stringify(request.data),
      action: request.action ?? null,
      created_at: now,
      expires_at: request.expires_at ?? null,
    };
    const users = request.all ? 'all' : [...new Set(request.users ?? [request.user!])];
    await this.store.insert(row, users);
    const stored: StoredNotification = { ...row, audience: users === 'all' ? 'all' : 'users', read_at: null, dismissed_at: null };
    const event: InboxEvent = { type: 'notification.created', notification: toItem(stored) };
    await this.deliver(() => (users === 'all' ? this.publisher.toEveryone(event) : Promise.all(users.map((u) => this.publisher.toUser(u, event)))));
    return { id: stored.id };
  }

  async list(user: string, options: { cursor?: string | undefined; limit: number; unread_only?: boolean; include_dismissed?: boolean }): Promise<Page> {
    const rows = await this.store.listForUser(user, {
      now: this.clock(),
      limit: options.limit + 1,
      cursor: decodeCursor(options.cursor),
      unreadOnly: !!options.unread_only,
      includeDismissed: !!options.include_dismissed,
    });
    return page(rows, options.limit);
  }

  /** Back office: every notification, with `audience` ('users' or 'all') and no per-user state. */
  async listAll(options: { cursor?: string | undefined; limit: number }): Promise<Page> {
    const rows = await this.store.listAll({ now: this.clock(), limit: options.limit + 1, cursor: decodeCursor(options.cursor) });
    return page(rows, options.limit, (n) => ({ ...toItem(n), audience: n.audience }));
  }

  async unreadCount(user: string): Promise<{ count: number }> {
    return { count: await this.store.unreadCount(user, this.clock()) };
  }

  markRead(user: string, ids: string[] | 'all'): Promise<{ updated: number }> {
    return this.change(user, ids, 'read_at');
  }

  dismiss(user: string, ids: string[]): Promise<{ updated: number }> {
    return this.change(user, ids, 'dismissed_at');
  }

  async remove(id: string): Promise<{ removed: true }> {
    const removed = await this.store.remove(id);
    if (!removed) throw new InboxError('notFound', id);
    const event: InboxEvent = { type: 'notification.removed', id };
    await this.deliver(() => (removed.audience === 'all' ? this.publisher.toEveryone(event) : Promise.all(removed.users.map((u) => this.publisher.toUser(u, event)))));
    return { removed: true };
  }

  async purge(retention: number): Promise<{ expired: number; dismissed: number }> {
    const now = this.clock();
    return this.store.purge(now, now - retention);
  }

  /** Ids a user cannot see (unknown, another user's, expired) all read as "not found": nothing leaks. */
  private async change(user: string, ids: string[] | 'all', field: StateField): Promise<{ updated: number }> {
    const now = this.clock();
    const { changed, missing } = await this.store.setState(user, ids === 'all' ? ids : [...new Set(ids)], field, now);
    if (missing.length > 0) throw new InboxError('notFound', `${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}; nothing was changed`);
    if (changed.length > 0) {
      await this.deliver(async () => {
        const { count } = await this.unreadCount(user);
        await this.publisher.toUser(user, { type: 'notification.updated', ids: changed, [field]: iso(now)!, unread_count: count });
      });
    }
    return { updated: changed.length };
  }

  private async deliver(publish: () => Promise<unknown>): Promise<void> {
    try {
      await publish();
    } catch (error) {
      this.log.warn({ event: 'inbox_publish_failed', err: error }, 'notification stored, live delivery failed');
    }
  }
}
