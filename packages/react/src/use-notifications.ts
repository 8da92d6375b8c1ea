'use client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { NotificationsSnapshot } from './core/notifications.js';
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
 */
export function useNotifications(user: string): NotificationsState {
  const client = useRealtimeClient();
  const inbox = client.notifications(user);
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
