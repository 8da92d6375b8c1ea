import Link from 'next/link';
import type { ReactNode } from 'react';
import { useDemoUser } from '../lib/demo-user';
import { ConnectionBanner } from './ConnectionBanner';
import { NotificationBell } from './NotificationBell';
import { TransportBadge } from './TransportBadge';

export function Layout({ children }: { children: ReactNode }) {
  const user = useDemoUser();
  return (
    <>
      <ConnectionBanner />
      <nav className="top">
        <Link href="/">Renum Realtime demo</Link>
        <span className="muted">{user ? `signed in as ${user}` : ''}</span>
        <TransportBadge />
        {user && <NotificationBell user={user} />}
      </nav>
      <main>{children}</main>
    </>
  );
}
