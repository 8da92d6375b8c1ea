import Link from 'next/link';
import type { ReactNode } from 'react';
import { ConnectionBanner } from './ConnectionBanner';
import { NotificationBell } from './NotificationBell';
import { TransportBadge } from './TransportBadge';

/** The page frame inside the RealtimeProvider; `user` is null until known, `onSignOut` only where the back end has a session to end. */
export function Layout({ user, onSignOut, children }: { user: string | null; onSignOut?: () => unknown; children: ReactNode }) {
  return (
    <>
      <ConnectionBanner />
      <nav className="top">
        <Link href="/">Renum Realtime demo</Link>
        <span className="muted" data-testid="signed-in-user">{user ? `signed in as ${user}` : ''}</span>
        {user && onSignOut && (
          <button type="button" onClick={() => void onSignOut()}>
            Sign out
          </button>
        )}
        <TransportBadge />
        {user && <NotificationBell user={user} />}
      </nav>
      <main>{children}</main>
    </>
  );
}
