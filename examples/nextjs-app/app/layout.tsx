import Link from 'next/link';
import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { ConnectionBanner } from '../../nextjs/components/ConnectionBanner';
import { NotificationBell } from '../../nextjs/components/NotificationBell';
import { TransportBadge } from '../../nextjs/components/TransportBadge';
import { Providers } from '../components/Providers';
import { currentUser, initialInbox } from '../lib/server';
import '../../nextjs/styles/globals.css';

export const metadata: Metadata = { title: 'Renum Realtime demo (App Router)' };
export const viewport: Viewport = { width: 'device-width', initialScale: 1 };
// Per request: the user comes from the cookie, the inbox from the server API.
export const dynamic = 'force-dynamic';

/** A Server Component: renders the signed-in user's inbox from the server API, then the client components take over. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  const inbox = await initialInbox(user);
  return (
    <html lang="en">
      <body>
        <Providers>
          <ConnectionBanner />
          <nav className="top">
            <Link href="/">Renum Realtime demo</Link>
            <Link href="/inbox">Inbox</Link>
            <span className="muted">signed in as {user}</span>
            <TransportBadge />
            <NotificationBell user={user} {...(inbox ? { initial: inbox } : {})} />
          </nav>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
