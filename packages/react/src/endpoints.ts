import type { TransportEndpoint } from 'centrifuge';

/**
 * Where each transport of a gateway lives, from the one URL an app configures. The paths are
 * Centrifugo's, so the official SDK's fallback list works unchanged: WebSocket first, then
 * HTTP-streaming and SSE (with `/emulation` for the commands after connect) where an upgrade
 * does not get through. React-free, for `next.config.mjs` and servers too.
 */
export interface RealtimeEndpoints {
  /** The SDK's fallback list, in the order it tries them. */
  transports: TransportEndpoint[];
  emulationEndpoint: string;
  /** Where the client reports, once per page load, that it had to fall back (POST, answered 204). */
  fallbackReportUrl: string;
}

/** WebSocket paths a ws(s):// URL may end with: the gateway's own alias and Centrifugo's. */
const WEBSOCKET_PATHS = ['/connection/websocket', '/ws'];

/**
 * `https://rt.example.com` (or `https://example.com/realtime`) gives the paths below it. A ws(s)://
 * URL, as NEXT_PUBLIC_WEBSOCKET_URL holds, keeps its own WebSocket path; the HTTP transports sit
 * beside it, where its `/ws` or `/connection/websocket` suffix stood.
 */
export function realtimeEndpoints(url: string): RealtimeEndpoints {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  const path = parsed.pathname.replace(/\/+$/, '');
  const isWebSocketUrl = parsed.protocol === 'ws:' || parsed.protocol === 'wss:';
  const suffix = isWebSocketUrl ? WEBSOCKET_PATHS.find((candidate) => path.endsWith(candidate)) : undefined;
  const prefix = isWebSocketUrl ? (suffix ? path.slice(0, -suffix.length) : '') : path;
  const http = `${secure ? 'https' : 'http'}://${parsed.host}${prefix}`;
  const websocket = isWebSocketUrl ? `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search}` : `${secure ? 'wss' : 'ws'}://${parsed.host}${prefix}/connection/websocket`;
  return {
    transports: [
      { transport: 'websocket', endpoint: websocket },
      { transport: 'http_stream', endpoint: `${http}/connection/http_stream` },
      { transport: 'sse', endpoint: `${http}/connection/sse` },
    ],
    emulationEndpoint: `${http}/emulation`,
    fallbackReportUrl: `${http}/connection/fallback`,
  };
}
