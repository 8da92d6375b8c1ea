'use client';
import type { TransportEndpoint } from 'centrifuge';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { RealtimeClient, type ClientOptions, type GetToken } from './core/client.js';

const RealtimeContext = createContext<RealtimeClient | null>(null);

export interface RealtimeProviderProps {
  /**
   * The gateway, from `resolveRealtimeUrl(process.env.NEXT_PUBLIC_REALTIME_URL, ...)` (a base like
   * `https://rt.example.com`) or `resolveWebSocketUrl(process.env.NEXT_PUBLIC_WEBSOCKET_URL, ...)`.
   * WebSocket, HTTP-streaming and SSE endpoints are derived from it. Read once: give the provider
   * a `key` to switch URLs.
   */
  url: string;
  /**
   * Called for the first connect, when the token expires and after a 109; the latest function is
   * used. Leave it out when the gateway authenticates the connection itself (a connect proxy that
   * reads the session cookie): the client then connects with no token. Whether there is one is read once.
   */
  getToken?: GetToken;
  /** Options of the `centrifuge` client (backoff, timeouts, debug, emulationEndpoint). Read once. */
  options?: ClientOptions;
  /** Replaces the fallback list derived from `url` (e.g. `[{ transport: 'websocket', endpoint }]` for WebSocket only). Read once. */
  transports?: TransportEndpoint[];
  /** Where a fallback is reported (derived from `url`: `<base>/connection/fallback`); null sends no report. Read once. */
  fallbackReportUrl?: string | null;
  children?: ReactNode;
}

/**
 * One realtime client for everything below it. The client object is created once per provider
 * (not per render, not per hook); its socket opens after mount — never during server rendering —
 * and closes when the provider unmounts.
 */
export function RealtimeProvider({ url, getToken, options, transports, fallbackReportUrl, children }: RealtimeProviderProps) {
  const latestGetToken = useRef(getToken);
  latestGetToken.current = getToken;
  const [client] = useState(
    () =>
      new RealtimeClient(url, () => latestGetToken.current, options, {
        ...(transports ? { transports } : {}),
        ...(fallbackReportUrl !== undefined ? { fallbackReportUrl } : {}),
      }),
  );
  useEffect(() => {
    client.retain();
    return () => client.release();
  }, [client]);
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

/** The provider's client core; throws outside a RealtimeProvider so a missing provider is not a silent second socket. */
export function useRealtimeClient(): RealtimeClient {
  const client = useContext(RealtimeContext);
  if (!client) throw new Error('@renum-realtime/react: wrap the app in <RealtimeProvider> (one per page tree)');
  return client;
}
