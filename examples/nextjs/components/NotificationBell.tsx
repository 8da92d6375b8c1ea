'use client';
import { useConnectionState, useNotifications, type InitialInbox } from '@renum-realtime/react';
import { useState } from 'react';
import { NotificationList } from './NotificationList';

function BellIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/**
 * Unread counter and inbox of the signed-in user; changes made in another tab show up here live.
 * `initial` is the page a Server Component rendered (App Router): shown at once, no "…".
 */
export function NotificationBell({ user, initial }: { user: string; initial?: InitialInbox }) {
  const inbox = useNotifications(user, initial ? { initial } : {});
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
          <NotificationList inbox={inbox} />
        </div>
      )}
    </div>
  );
}
