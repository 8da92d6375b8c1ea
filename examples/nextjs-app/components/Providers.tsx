'use client';
import { RealtimeProvider, resolveRealtimeUrl } from '@renum-realtime/react';
import { useState, type ReactNode } from 'react';
import { fetchRealtimeToken } from '../../nextjs/lib/demo-user';

/**
 * One RealtimeProvider for the whole app, in the root layout: one connection per tab, kept
 * across navigations. The transports (WebSocket, then HTTP-streaming and SSE) are derived from
 * NEXT_PUBLIC_REALTIME_URL. Checked during server rendering too, so a bad value fails at once.
 */
export function Providers({ children }: { children: ReactNode }) {
  const [url] = useState(() =>
    resolveRealtimeUrl(process.env.NEXT_PUBLIC_REALTIME_URL, {
      environment: process.env.NEXT_PUBLIC_APP_ENV ?? process.env.NODE_ENV,
      ...(typeof window !== 'undefined' ? { pageProtocol: window.location.protocol } : {}),
    }),
  );
  return (
    <RealtimeProvider url={url} getToken={fetchRealtimeToken} options={{ maxReconnectDelay: 5000 }}>
      {children}
    </RealtimeProvider>
  );
}
