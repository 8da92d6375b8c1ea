import type { RpcHandler } from '../../src/core/index.js';
import { Centrifuge, type Options, type TransportEndpoint } from 'centrifuge';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';

/** A gateway for the transport tests: a recoverable `runs` namespace open to subscribers, and a `runs.start` RPC. */
export const TRANSPORT_TEST_CONFIG = {
  channel: {
    namespaces: [{ name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, presence: true, allow_subscribe_for_client: true, allow_publish_for_subscriber: true, allow_presence_for_subscriber: true, allow_history_for_subscriber: true }],
  },
};
export const TRANSPORT_TEST_RPC: Record<string, RpcHandler> = { 'runs.start': ({ user, data }) => ({ started: true, by: user, echo: data }) };

export type FallbackTransport = 'websocket' | 'http_stream' | 'sse';

const PATHS: Record<FallbackTransport, string> = {
  websocket: '/connection/websocket',
  http_stream: '/connection/http_stream',
  sse: '/connection/sse',
};

/** The SDK's transport list for a gateway at `base` (http://host:port), in the order given. */
export function transportList(base: string, transports: readonly FallbackTransport[]): TransportEndpoint[] {
  return transports.map((transport) => ({
    transport,
    endpoint: `${transport === 'websocket' ? base.replace(/^http/, 'ws') : base}${PATHS[transport]}`,
  }));
}

/**
 * The official client with its fallback list, as a browser uses it, in Node 20: `ws` for WebSocket,
 * the global fetch and ReadableStream for http_stream, the `eventsource` package for SSE.
 */
export function newFallbackClient(base: string, transports: readonly FallbackTransport[] | TransportEndpoint[], options: Partial<Options> = {}): Centrifuge {
  const endpoints = transports.map((t) => (typeof t === 'string' ? transportList(base, [t])[0]! : t));
  return new Centrifuge(endpoints, {
    websocket: WebSocket,
    fetch: globalThis.fetch,
    readableStream: globalThis.ReadableStream,
    eventsource: EventSource,
    emulationEndpoint: `${base}/emulation`,
    minReconnectDelay: 50,
    maxReconnectDelay: 500,
    timeout: 3000,
    ...options,
  });
}
