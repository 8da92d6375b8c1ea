import type { IncomingMessage } from 'node:http';
import type { ConnectionMeta, TransportName } from '../core/index.js';
import type { RealtimeConfig } from '../config/types.js';

/** The old path of the WebSocket endpoint, kept as an alias of `websocket.handler_prefix`. */
export const LEGACY_WEBSOCKET_PATH = '/ws';

/** Where the React bindings report a fallback, once per page load (`fallback-report.ts`). */
export const FALLBACK_REPORT_PATH = '/connection/fallback';

export type WebSocketTransportName = Extract<TransportName, 'websocket' | 'uni_websocket'>;
export type HttpTransportName = Exclude<TransportName, WebSocketTransportName>;

/** Which connection endpoint each path serves, from the transports the config turns on. */
export interface Endpoints {
  readonly webSockets: ReadonlyMap<string, WebSocketTransportName>;
  /** The HTTP transports, and `emulation` for the commands of http_stream and sse sessions. */
  readonly http: ReadonlyMap<string, HttpEndpoint>;
}

export type HttpEndpoint = HttpTransportName | 'emulation' | 'fallback_report';

export function transportEndpoints(config: RealtimeConfig): Endpoints {
  const webSockets = new Map<string, WebSocketTransportName>([
    [LEGACY_WEBSOCKET_PATH, 'websocket'],
    [config.websocket.handler_prefix, 'websocket'],
  ]);
  if (config.uni_websocket.enabled) webSockets.set(config.uni_websocket.handler_prefix, 'uni_websocket');
  const http = new Map<string, HttpEndpoint>([[FALLBACK_REPORT_PATH, 'fallback_report']]);
  for (const name of ['http_stream', 'sse', 'uni_http_stream', 'uni_sse'] as const) {
    if (config[name].enabled) http.set(config[name].handler_prefix, name);
  }
  if (config.http_stream.enabled || config.sse.enabled) http.set(config.emulation.handler_prefix, 'emulation');
  return { webSockets, http };
}

export function webSocketEndpoint(endpoints: Endpoints, path: string): WebSocketTransportName | undefined {
  return endpoints.webSockets.get(path);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The headers an event proxy forwards, and no others: a connection keeping all of its request's
 * headers (cookies included) would hold kilobytes it never uses.
 */
export function forwardedHeaders(names: ReadonlySet<string>, read: (name: string) => string | string[] | undefined | null): ConnectionMeta['headers'] {
  if (names.size === 0) return undefined;
  const kept: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = read(name);
    if (value !== undefined && value !== null) kept[name] = value;
  }
  return kept;
}

/** The request facts a session keeps, from a node:http request (Node, and Bun's bridge). */
export function connectionMeta(request: IncomingMessage, remoteAddress: string | undefined, keepHeaders: ReadonlySet<string>): ConnectionMeta {
  const meta: ConnectionMeta = {};
  const headers = forwardedHeaders(keepHeaders, (name) => request.headers[name]);
  if (headers) meta.headers = headers;
  const origin = header(request.headers.origin);
  const userAgent = header(request.headers['user-agent']);
  if (origin) meta.origin = origin;
  if (userAgent) meta.userAgent = userAgent;
  if (remoteAddress) meta.remoteAddress = remoteAddress;
  return meta;
}
