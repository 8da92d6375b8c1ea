import { RealtimeProvider } from '@renum-realtime/react';
import type { AppProps } from 'next/app';
import Head from 'next/head';
import { useState } from 'react';
import { Layout } from '../components/Layout';
import { fetchRealtimeToken } from '../lib/demo-user';
import { realtimeUrl } from '../lib/realtime-url';
import '../styles/globals.css';

/** One RealtimeProvider for the whole app: one socket per tab, kept across page navigations. */
export default function App({ Component, pageProps }: AppProps) {
  // Checked during prerender too, so a bad NEXT_PUBLIC_WEBSOCKET_URL also fails `next build` here.
  const [url] = useState(realtimeUrl);
  return (
    <RealtimeProvider url={url} getToken={fetchRealtimeToken} options={{ maxReconnectDelay: 5000 }}>
      <Head>
        <title>Renum Realtime demo</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <Layout>
        <Component {...pageProps} />
      </Layout>
    </RealtimeProvider>
  );
}
