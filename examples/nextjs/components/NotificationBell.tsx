import { useConnectionState, useNotifications } from '@renum-realtime/react';
import Link from 'next/link';
import { useState } from 'react';

function BellIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** Unread counter and inbox of the signed-in user; changes made in another tab show up here live. */
export function NotificationBell({ user }: { user: string }) {
  const inbox = useNotifications(user);
  const { status } = useConnectionState();
  const [open, setOpen] = useState(false);
  // Not loaded and no connection coming (refused): a dash, not an endless "…".
  const count = inbox.loading ? (status === 'disconnected' ? '–' : '…') : inbox.error && inbox.items.length === 0 ? '!' : inbox.unreadCount;
  return (
    <div className="bell">
      <button type="button" aria-expanded={open} aria-label={`Notifications, ${inbox.unreadCount} unread`} onClick={() => setOpen(!open)} data-testid="bell">
        <BellIcon /> <span className="count" data-testid="unread-count">{count}</span>
      </button>
      {open && (
        <div className="inbox" data-testid="inbox">
          <div className="inbox-head">
            <strong>Notifications</strong>
            <button type="button" onClick={() => void inbox.markAllRead()} disabled={inbox.unreadCount === 0}>
              Mark all read
            </button>
          </div>
          {inbox.error && <p className="error">Inbox unavailable: {inbox.error.message}</p>}
          {inbox.items.length === 0 && !inbox.loading && <p className="muted">Nothing here.</p>}
          <ul>
            {inbox.items.map((n) => (
              <li key={n.id} className={n.read_at ? 'read' : 'unread'} data-testid="notification" data-read={n.read_at ? 'true' : 'false'}>
                <div className="title">{n.action?.startsWith('/') ? <Link href={n.action}>{n.title}</Link> : n.title}</div>
                <div className="body">{n.body}</div>
                <div className="actions">
                  {!n.read_at && (
                    <button type="button" onClick={() => void inbox.markRead([n.id])}>
                      Mark read
                    </button>
                  )}
                  <button type="button" onClick={() => void inbox.dismiss([n.id])}>
                    Dismiss
                  </button>
                </div>
              </li>
            ))}
          </ul>
          {inbox.hasMore && (
            <button type="button" onClick={() => void inbox.loadMore()}>
              Older
            </button>
          )}
        </div>
      )}
    </div>
  );
}
