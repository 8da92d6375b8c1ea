import type { PublicationContext } from 'centrifuge';
import type { ChannelRegistry } from './channels.js';
import { SnapshotStore } from './snapshot.js';

/** What an inbox needs of the client: its channels and RPC over the connection (not the whole client). */
export interface InboxPort {
  channels: ChannelRegistry;
  rpc<T>(method: string, data: object): Promise<T>;
}

/** One inbox entry, as the gateway's notification inbox returns it (`notifications.list`). */
export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: unknown;
  /** Where the notification leads (a URL or app route), if anywhere. */
  action: string | null;
  created_at: string;
  read_at: string | null;
  dismissed_at: string | null;
  expires_at: string | null;
}

export interface NotificationsSnapshot {
  items: readonly Notification[];
  unreadCount: number;
  /** True until the first list arrives. */
  loading: boolean;
  hasMore: boolean;
  error: { code: number; message: string } | null;
}

/** Live events on `notifications:inbox#<user>`. */
export type InboxEvent =
  | { type: 'notification.created'; notification: Notification }
  | { type: 'notification.updated'; ids: string[]; read_at?: string; dismissed_at?: string; unread_count: number }
  | { type: 'notification.removed'; id: string };

/** A page of the inbox, as `notifications.list` (and the server API's `notification_list`) return it. */
export interface NotificationPage {
  items: Notification[];
  next_cursor: string | null;
}

/** What a Server Component rendered, so the client starts from it instead of an empty, loading inbox. */
export interface InitialInbox {
  page: NotificationPage;
  unreadCount: number;
}

export const inboxChannel = (user: string): string => `notifications:inbox#${user}`;
/** Notifications sent to everyone (`notification_send` with `all: true`) are announced here. */
export const BROADCAST_CHANNEL = 'notifications:broadcast';

const PAGE_SIZE = 50;

/**
 * The inbox of one user: listed over RPC on every (re)subscribe, kept live by the user's inbox
 * channel and the broadcast channel. A change made in another tab arrives as
 * `notification.updated`, which carries the authoritative unread count.
 */
export class NotificationsStore {
  readonly snapshot: SnapshotStore<NotificationsSnapshot>;
  private refs = 0;
  private cursor: string | null;

  constructor(
    private readonly client: InboxPort,
    readonly user: string,
    initial?: InitialInbox,
  ) {
    this.cursor = initial?.page.next_cursor ?? null;
    this.snapshot = new SnapshotStore<NotificationsSnapshot>(
      initial
        ? { items: visible(initial.page.items), unreadCount: initial.unreadCount, loading: false, hasMore: initial.page.next_cursor !== null, error: null }
        : { items: [], unreadCount: 0, loading: true, hasMore: false, error: null },
    );
  }

  private readonly listener = {
    onSubscribed: () => void this.reload(),
    onPublication: (ctx: PublicationContext) => this.apply(ctx.data as InboxEvent),
  };

  // A reload on the broadcast channel's resubscribe would only repeat the one of the own channel.
  private readonly broadcastListener = { onPublication: this.listener.onPublication };

  retain(): void {
    if (this.refs++ > 0) return;
    const own = this.client.channels.acquire(inboxChannel(this.user));
    own.listeners.add(this.listener);
    this.client.channels.acquire(BROADCAST_CHANNEL).listeners.add(this.broadcastListener);
    if (own.snapshot.get().status === 'subscribed') void this.reload();
  }

  /** For a Suspense fallback: holds the inbox until the first list arrived (see ChannelStateStore.whenReady). */
  whenLoaded(): Promise<void> {
    const loaded = this.snapshot.when((s) => !s.loading);
    this.retain();
    return loaded.then(() => this.release());
  }

  release(): void {
    if (--this.refs > 0) return;
    this.client.channels.peek(inboxChannel(this.user))?.listeners.delete(this.listener);
    this.client.channels.peek(BROADCAST_CHANNEL)?.listeners.delete(this.broadcastListener);
    this.client.channels.release(inboxChannel(this.user));
    this.client.channels.release(BROADCAST_CHANNEL);
  }

  private async rpc<T>(method: string, data: object): Promise<T> {
    try {
      return await this.client.rpc<T>(method, data);
    } catch (error) {
      const { code = 0, message = String(error) } = error as { code?: number; message?: string };
      this.snapshot.update({ loading: false, error: { code, message } });
      throw error;
    }
  }

  /** Never rejects: a failure is in `snapshot.error`, and the next resubscribe tries again. */
  async reload(): Promise<void> {
    try {
      const [list, count] = await Promise.all([
        this.rpc<NotificationPage>('notifications.list', { limit: PAGE_SIZE }),
        this.rpc<{ count: number }>('notifications.unread_count', {}),
      ]);
      this.cursor = list.next_cursor;
      this.snapshot.update({ items: visible(list.items), unreadCount: count.count, loading: false, hasMore: list.next_cursor !== null, error: null });
    } catch {
      // Recorded by rpc().
    }
  }

  async loadMore(): Promise<void> {
    if (!this.cursor) return;
    const list = await this.rpc<NotificationPage>('notifications.list', { cursor: this.cursor, limit: PAGE_SIZE });
    this.cursor = list.next_cursor;
    const known = new Set(this.snapshot.get().items.map((n) => n.id));
    this.snapshot.update({ items: [...this.snapshot.get().items, ...visible(list.items).filter((n) => !known.has(n.id))], hasMore: list.next_cursor !== null });
  }

  async markRead(ids: string[]): Promise<void> {
    await this.rpc('notifications.mark_read', { ids });
  }

  async markAllRead(): Promise<void> {
    await this.rpc('notifications.mark_read', { all: true });
  }

  async dismiss(ids: string[]): Promise<void> {
    await this.rpc('notifications.dismiss', { ids });
  }

  private apply(event: InboxEvent): void {
    const current = this.snapshot.get();
    if (event.type === 'notification.created') {
      if (current.items.some((n) => n.id === event.notification.id)) return;
      this.snapshot.update({ items: [event.notification, ...current.items], unreadCount: current.unreadCount + (event.notification.read_at ? 0 : 1) });
      return;
    }
    if (event.type === 'notification.updated') {
      const ids = new Set(event.ids);
      const items = current.items.map((n) =>
        ids.has(n.id) ? { ...n, read_at: event.read_at ?? n.read_at, dismissed_at: event.dismissed_at ?? n.dismissed_at } : n,
      );
      this.snapshot.update({ items: visible(items), unreadCount: event.unread_count });
      return;
    }
    if (event.type === 'notification.removed') {
      if (!current.items.some((n) => n.id === event.id)) return;
      this.snapshot.update({ items: current.items.filter((n) => n.id !== event.id) });
      this.rpc<{ count: number }>('notifications.unread_count', {}).then(
        (count) => this.snapshot.update({ unreadCount: count.count }),
        () => undefined,
      );
    }
  }
}

function visible(items: Notification[]): Notification[] {
  return items.filter((n) => !n.dismissed_at);
}
