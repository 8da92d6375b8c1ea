import type { Connection, ConnectionMeta, Disconnect, FanOut, Frame, Transport, WireProtocol } from '../core/index.js';
import { closeReason } from '../core/index.js';
import { createRequestListener } from '../http/server.js';
import { runRequestListener } from './bun-http.js';
import { forwardedHeaders, webSocketEndpoint } from './endpoints.js';
import type { Listener, Runtime } from './runtime.js';
import { chooseSubprotocol, requestedProtocol, unidirectionalConnect } from './websocket-shared.js';

/** The slice of Bun's API the adapter uses (bun-types is not a dependency of the Node build). */
interface BunSocket {
  data: BunWebSocketTransport;
  readonly readyState: number;
  send(message: Frame): number;
  close(code: number, reason: string): void;
  getBufferedAmount(): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}
interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: { data: BunWebSocketTransport; headers?: Record<string, string> }): boolean;
  publish(topic: string, message: Frame): number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string } | null;
}
declare const Bun: { serve(options: object): BunServer };

const OPEN = 1;

/**
 * One connection's session side, made at the upgrade and handed to Bun as the socket's `data`: the
 * socket's data and the transport are one object, not two.
 */
class BunWebSocketTransport implements Transport {
  /** Set when Bun opens the socket, before any message can arrive. */
  ws!: BunSocket;
  connection: Connection | undefined;
  /** A unidirectional client's first message is its connect request when `cf_connect` was not given. */
  connectPending: boolean;

  constructor(
    readonly meta: ConnectionMeta,
    readonly unidirectional: boolean,
    readonly protocol: WireProtocol,
    readonly fanOut: FanOut,
    /** `cf_connect`, read when the socket opens and then dropped. */
    public connectParam: string | null,
  ) {
    this.connectPending = unidirectional && connectParam === null;
  }

  // Constants on the prototype, not fields of every connection.
  get emulation(): boolean {
    return false;
  }

  get pushesDisconnect(): boolean {
    return false;
  }

  get name() {
    return this.unidirectional ? ('uni_websocket' as const) : ('websocket' as const);
  }

  write(frame: Frame): void {
    // Bun sends a string as a text message and bytes as a binary one.
    this.ws.send(frame);
  }

  close({ code, reason }: Disconnect): void {
    this.ws.close(code, closeReason(reason));
  }

  get bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }
}

/**
 * Bidirectional channels are Bun topics: one `server.publish` per publication, framed and written
 * natively. JSON and protobuf subscribers get different frames, so each protocol has its own fan-out
 * over its own topics (protobuf ones are prefixed): no socket ever gets the other's frame.
 * Unidirectional clients encode pushes differently, so they are written one by one.
 */
type BunFanOuts = { unidirectional: FanOut } & Record<WireProtocol, FanOut>;

function bunFanOuts(server: () => BunServer): BunFanOuts {
  const socketOf = (transport: Transport) => (transport as BunWebSocketTransport).ws;
  const broadcast: FanOut['broadcast'] = (frame, transports) => {
    for (const transport of transports) transport.write(frame);
  };
  const topicFanOut = (prefix: string): FanOut => ({
    broadcast,
    topics: {
      subscribe(transport, topic) {
        const ws = socketOf(transport);
        if (ws.readyState === OPEN) ws.subscribe(prefix + topic);
      },
      // Bun drops a closed socket from its topics by itself.
      unsubscribe(transport, topic) {
        const ws = socketOf(transport);
        if (ws.readyState === OPEN) ws.unsubscribe(prefix + topic);
      },
      publish(topic, frame) {
        server().publish(prefix + topic, frame);
      },
    },
  });
  // A NUL cannot start a channel name that a client or the API may use as-is: the two sets of topics never meet.
  return { unidirectional: { broadcast }, json: topicFanOut(''), protobuf: topicFanOut('\0protobuf:') };
}

function connectionMeta(request: Request, remoteAddress: string | undefined, keepHeaders: ReadonlySet<string>): ConnectionMeta {
  const meta: ConnectionMeta = {};
  const headers = forwardedHeaders(keepHeaders, (name) => request.headers.get(name));
  if (headers) meta.headers = headers;
  const origin = request.headers.get('origin');
  const userAgent = request.headers.get('user-agent');
  if (origin) meta.origin = origin;
  if (userAgent) meta.userAgent = userAgent;
  if (remoteAddress) meta.remoteAddress = remoteAddress;
  return meta;
}

/** Upgrades an admitted request; Bun answers the handshake itself. */
function upgradeToWebSocket(request: Request, bun: BunServer, url: URL, unidirectional: boolean, remoteAddress: string | undefined, keepHeaders: ReadonlySet<string>, fanOuts: BunFanOuts): Response | undefined {
  const offered = new Set((request.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()));
  const subprotocol = chooseSubprotocol(offered, unidirectional);
  const headers: Record<string, string> = subprotocol ? { 'Sec-WebSocket-Protocol': subprotocol } : {};
  const protocol = unidirectional ? 'json' : requestedProtocol(url, subprotocol ?? '');
  const fanOut = unidirectional ? fanOuts.unidirectional : fanOuts[protocol];
  const data = new BunWebSocketTransport(connectionMeta(request, remoteAddress, keepHeaders), unidirectional, protocol, fanOut, url.searchParams.get('cf_connect'));
  if (bun.upgrade(request, { data, headers })) return undefined;
  return new Response('expected a WebSocket upgrade', { status: 400 });
}

/**
 * Bun: `Bun.serve` for WebSockets and the HTTP routes (the node:http route listener, the HTTP
 * transports included, runs behind a small Request/Response bridge). Slow consumers: a socket
 * whose unsent bytes pass the queue limit is closed by Bun (`closeOnBackpressureLimit`), the same
 * limit the Node hub checks after writing.
 */
export function bunRuntime(): Runtime {
  let server: BunServer | undefined;
  const fanOuts = bunFanOuts(() => server!);
  return {
    name: 'bun',
    async listen(app) {
      const { node } = app;
      const { config, log } = node;
      const { admission } = app;
      const routes = createRequestListener(app);
      const plain = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      server = Bun.serve({
        port: config.http_server.port,
        hostname: config.http_server.address,
        fetch(request: Request, bun: BunServer): Response | Promise<Response | undefined> | undefined {
          const peer = bun.requestIP(request)?.address;
          if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return runRequestListener(routes, request, peer);
          const remoteAddress = admission.addresses.of(peer, request.headers.get('x-forwarded-for') ?? undefined);
          const url = new URL(request.url);
          const origin = request.headers.get('origin') ?? undefined;
          const endpoint = webSocketEndpoint(app.endpoints, url.pathname);
          if (!endpoint) {
            const body = `no WebSocket endpoint at ${url.pathname}; it is ${config.websocket.handler_prefix}`;
            return plain(404, admission.refuse({ status: 404, statusText: 'Not Found', body, reason: 'wrong_path' }, { path: url.pathname, origin }).body);
          }
          return admission.admit(endpoint, origin, remoteAddress).then((refusal) => {
            if (refusal) return plain(refusal.status, refusal.body);
            return upgradeToWebSocket(request, bun, url, endpoint === 'uni_websocket', remoteAddress, node.proxies.forwardedHeaders, fanOuts);
          });
        },
        websocket: {
          maxPayloadLength: config.websocket.message_size_limit,
          backpressureLimit: config.client.queue_max_size,
          closeOnBackpressureLimit: true,
          perMessageDeflate: config.websocket.compression,
          // Liveness is the session's job (protocol pings, idle timeout), not the socket's.
          idleTimeout: 0,
          open(ws: BunSocket) {
            const transport = ws.data;
            transport.ws = ws;
            const connection = (transport.connection = node.accept(transport));
            const { connectParam } = transport;
            transport.connectParam = null;
            if (transport.unidirectional && connectParam !== null) unidirectionalConnect(connection, (d) => transport.close(d), connectParam, log);
          },
          message(ws: BunSocket, message: string | Uint8Array) {
            const { connection } = ws.data;
            if (!connection) return;
            if (ws.data.protocol === 'protobuf') return connection.receive(typeof message === 'string' ? Buffer.from(message) : message);
            const text = typeof message === 'string' ? message : Buffer.from(message).toString();
            if (!ws.data.unidirectional) return connection.receive(text);
            if (!ws.data.connectPending) return;
            ws.data.connectPending = false;
            // Bun has one payload limit per server; the unidirectional one is checked here (RFC 6455 §7.4.1).
            if (text.length > config.uni_websocket.message_size_limit) return ws.close(1009, 'message too big');
            unidirectionalConnect(connection, ({ code, reason }) => ws.close(code, closeReason(reason)), text, log);
          },
          close(ws: BunSocket, code: number, reason: string) {
            const { connection } = ws.data;
            // Bun runs this inside `ws.close()` when the server closes; `ws` emits it later. Defer
            // it so a server-side disconnect finishes first, as it does on Node.
            if (connection) queueMicrotask(() => connection.closed(code, reason));
          },
        },
        error(err: Error) {
          log.error({ err }, 'bun request failed');
          return new Response(JSON.stringify({ error: { code: 100, message: 'internal server error' } }), { status: 500 });
        },
      });
      const running = server;
      const listener: Listener = {
        port: running.port,
        close: () => running.stop(false),
        closeAllConnections: () => void running.stop(true),
      };
      return listener;
    },
  };
}
