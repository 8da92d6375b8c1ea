'use client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { InitialInbox, NotificationsSnapshot } from './core/notifications.js';
import { useRealtimeClient } from './provider.js';

export interface NotificationsState extends NotificationsSnapshot {
  markRead(ids: string[]): Promise<void>;
  markAllRead(): Promise<void>;
  dismiss(ids: string[]): Promise<void>;
  loadMore(): Promise<void>;
}

/**
 * The signed-in user's inbox (list, unread count, actions), live across tabs: every change made
 * anywhere arrives on `notifications:inbox#<user>`. `user` is the `sub` of the connection token.
 * Pass `initial` (a page from the server API's `notification_list`) to render it at once, without
 * a loading state; the list is reloaded over the connection on subscribe, as always.
 */
export function useNotifications(user: string, options: { initial?: InitialInbox } = {}): NotificationsState {
  const client = useRealtimeClient();
  // `initial` (what a Server Component rendered) counts for the first user of the inbox only.
  const inbox = client.notifications(user, options.initial);
  useEffect(() => {
    inbox.retain();
    return () => inbox.release();
  }, [inbox]);
  const snapshot = useSyncExternalStore(inbox.snapshot.subscribe, inbox.snapshot.get, inbox.snapshot.get);
  return useMemo(
    () => ({
      ...snapshot,
      markRead: (ids: string[]) => inbox.markRead(ids),
      markAllRead: () => inbox.markAllRead(),
      dismiss: (ids: string[]) => inbox.dismiss(ids),
      loadMore: () => inbox.loadMore(),
    }),
    [snapshot, inbox],
  );
}
