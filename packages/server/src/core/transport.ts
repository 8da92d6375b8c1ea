import type { ConnectRequest } from '@renum-realtime/protocol';

/**
 * The port between the session core and the ways a client reaches it. Every adapter (WebSocket on
 * `ws` or Bun, HTTP-streaming, SSE, the unidirectional ones) implements `Transport`; nothing in the
 * core imports a socket or HTTP library, or knows which adapter is behind a session.
 */

export type TransportName = 'websocket' | 'http_stream' | 'sse' | 'uni_websocket' | 'uni_http_stream' | 'uni_sse';

export const TRANSPORT_NAMES: readonly TransportName[] = ['websocket', 'http_stream', 'sse', 'uni_websocket', 'uni_http_stream', 'uni_sse'];

/** What one write carries: text for the JSON protocol, bytes for protobuf. */
export type Frame = string | Uint8Array;

/** The client protocol a connection speaks (Centrifugo's `centrifuge-json` / `centrifuge-protobuf`). */
export type WireProtocol = 'json' | 'protobuf';

/** Facts about the request that opened the connection, for policy, logs and the admin views. */
export interface ConnectionMeta {
  origin?: string;
  userAgent?: string;
  remoteAddress?: string;
  /** Request headers, lower-cased names; read-only for the core. */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Disconnect {
  code: number;
  reason: string;
}

/**
 * Fan-out done by the runtime itself (Bun's topics): the hub registers live subscribers once and
 * hands over one encoded frame per publication, instead of a transport list. A topic is a channel
 * name, or one the hub derives from it for members that get other frames (compacting ones).
 */
export interface TopicFanOut {
  subscribe(transport: Transport, topic: string): void;
  unsubscribe(transport: Transport, topic: string): void;
  /** Sends the frame to every transport subscribed to the topic. Slow consumers are the runtime's job. */
  publish(topic: string, frame: Frame): void;
}

/** How one adapter writes the same frame to many of its connections; shared by all of them. */
export interface FanOut {
  /** Writes one encoded frame to every transport; an adapter may frame it once for all. */
  broadcast(frame: Frame, transports: readonly Transport[]): void;
  /** Present when the runtime fans out natively; the hub then uses it for publications. */
  readonly topics?: TopicFanOut;
}

/** One client connection as the core sees it. */
export interface Transport {
  readonly name: TransportName;
  /** A unidirectional transport only carries the connect request in, then pushes out. */
  readonly unidirectional: boolean;
  /** Bidirectional over HTTP: later commands arrive through `/emulation`, not this transport. */
  readonly emulation: boolean;
  readonly protocol: WireProtocol;
  /**
   * True when the transport has no close code of its own (HTTP responses, SSE): the session then
   * writes a disconnect push before closing, as Centrifugo does, so the SDK learns code and reason.
   */
  readonly pushesDisconnect: boolean;
  readonly meta: ConnectionMeta;
  readonly fanOut: FanOut;
  /** Writes one frame: one or more encoded messages (JSON joined by newlines, protobuf delimited). */
  write(frame: Frame): void;
  close(disconnect: Disconnect): void;
  /** Bytes accepted by `write` but not yet handed to the network. */
  readonly bufferedAmount: number;
}

/** What a transport reports to about its connection; `RealtimeNode.accept` hands it out. */
export interface Connection {
  /** One frame of commands from the client (bidirectional transports and `/emulation`). */
  receive(frame: Frame): void;
  /** A unidirectional transport's connect request, the only thing such a client sends. */
  connectUnidirectional(request: ConnectRequest): void;
  /** The transport is closed, whoever closed it. */
  closed(code: number, reason: string): void;
}

export const writeEach: FanOut['broadcast'] = (frame, transports) => {
  for (const transport of transports) transport.write(frame);
};

/** The fan-out of adapters that write connection by connection. */
export const WRITE_EACH: FanOut = { broadcast: writeEach };
