import { RealtimeProvider, type ClientOptions } from '@renum-realtime/react';
import type { AppProps } from 'next/app';
import Head from 'next/head';
import { useState, type ReactNode } from 'react';
import { FastApiSession } from '../components/FastApiSession';
import { Layout } from '../components/Layout';
import { REALTIME_BACKEND } from '../lib/backend';
import { fetchRealtimeToken, useDemoUser } from '../lib/demo-user';
import { realtimeUrl } from '../lib/realtime-url';
import '../styles/globals.css';

const options: ClientOptions = { maxReconnectDelay: 5000 };

/** Publisher mode: the demo user's cookie, and connection tokens from this app's /api/realtime-token. */
function TokenSession({ url, children }: { url: string; children: ReactNode }) {
  const user = useDemoUser();
  return (
    <RealtimeProvider url={url} getToken={fetchRealtimeToken} options={options}>
      <Layout user={user}>{children}</Layout>
    </RealtimeProvider>
  );
}

/** One RealtimeProvider for the whole app: one socket per tab, kept across page navigations. */
export default function App({ Component, pageProps }: AppProps) {
  // Checked during prerender too, so a bad NEXT_PUBLIC_WEBSOCKET_URL also fails `next build` here.
  const [url] = useState(realtimeUrl);
  const Session = REALTIME_BACKEND === 'fastapi' ? FastApiSession : TokenSession;
  return (
    <>
      <Head>
        <title>Renum Realtime demo</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <Session url={url} options={options}>
        <Component {...pageProps} />
      </Session>
    </>
  );
}
