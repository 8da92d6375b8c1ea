'use client';
import type { NotificationsState } from '@renum-realtime/react';
import Link from 'next/link';

/** The inbox's entries with their actions; read ones are plain, unread ones stand out (bold, marked). */
export function NotificationList({ inbox }: { inbox: NotificationsState }) {
  return (
    <>
      {inbox.error && <p className="error">Inbox unavailable: {inbox.error.message}</p>}
      {inbox.items.length === 0 && !inbox.loading && <p className="muted">Nothing here.</p>}
      <ul className="notifications">
        {inbox.items.map((n) => (
          <li key={n.id} className={n.read_at ? 'read' : 'unread'} data-testid="notification" data-read={n.read_at ? 'true' : 'false'}>
            <div className="title">
              {!n.read_at && <span className="visually-hidden">Unread: </span>}
              {n.action?.startsWith('/') ? <Link href={n.action}>{n.title}</Link> : n.title}
            </div>
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
    </>
  );
}
