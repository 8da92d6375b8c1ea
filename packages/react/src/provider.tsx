import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { RealtimeClient, type ClientOptions, type GetToken } from './core/client.js';

const RealtimeContext = createContext<RealtimeClient | null>(null);

export interface RealtimeProviderProps {
  /** From `resolveWebSocketUrl(process.env.NEXT_PUBLIC_WEBSOCKET_URL, ...)`. Read once: give the provider a `key` to switch URLs. */
  url: string;
  /** Called for the first connect, when the token expires and after a 109; the latest function is used. */
  getToken: GetToken;
  /** Options of the `centrifuge` client (backoff, timeouts, debug). Read once. */
  options?: ClientOptions;
  children?: ReactNode;
}

/**
 * One realtime client for everything below it. The client object is created once per provider
 * (not per render, not per hook); its socket opens after mount — never during server rendering —
 * and closes when the provider unmounts.
 */
export function RealtimeProvider({ url, getToken, options, children }: RealtimeProviderProps) {
  const latestGetToken = useRef(getToken);
  latestGetToken.current = getToken;
  const [client] = useState(() => new RealtimeClient(url, () => latestGetToken.current, options));
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
