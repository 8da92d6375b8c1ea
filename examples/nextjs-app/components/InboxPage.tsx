'use client';
import { useNotifications, type InitialInbox } from '@renum-realtime/react';
import { NotificationList } from '../../nextjs/components/NotificationList';

/** The full inbox: starts from the page the server rendered, then live over the connection. */
export function InboxPage({ user, initial }: { user: string; initial?: InitialInbox }) {
  const inbox = useNotifications(user, initial ? { initial } : {});
  return (
    <section className="inbox-page" data-testid="inbox-page" data-loading={inbox.loading}>
      <h1>Inbox</h1>
      <p>
        <span data-testid="inbox-unread">{inbox.unreadCount}</span> unread{' '}
        <button type="button" onClick={() => void inbox.markAllRead()} disabled={inbox.unreadCount === 0}>
          Mark all read
        </button>
      </p>
      <NotificationList inbox={inbox} />
    </section>
  );
}
