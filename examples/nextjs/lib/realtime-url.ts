import { resolveGatewayUrl } from '@renum-realtime/react/url';

/**
 * The gateway URL, checked once per bundle: NEXT_PUBLIC_REALTIME_URL (a base such as
 * https://rt.example.com, from which the WebSocket, HTTP-streaming and SSE endpoints are derived)
 * or else NEXT_PUBLIC_WEBSOCKET_URL. `NEXT_PUBLIC_APP_ENV=local` marks a production build meant
 * to run on this machine (the browser tests do that); any other production build refuses
 * loopback hosts.
 */
export function realtimeUrl(): string {
  return resolveGatewayUrl(
    { realtimeUrl: process.env.NEXT_PUBLIC_REALTIME_URL, webSocketUrl: process.env.NEXT_PUBLIC_WEBSOCKET_URL },
    {
      environment: process.env.NEXT_PUBLIC_APP_ENV ?? process.env.NODE_ENV,
      ...(typeof window !== 'undefined' ? { pageProtocol: window.location.protocol } : {}),
    },
  );
}
