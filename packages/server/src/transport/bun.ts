import { createRequestListener } from '../http/server.js';
import type { RealtimeNode } from '../node.js';
import type { Session } from '../session/session.js';
import { runRequestListener } from './bun-http.js';
import type { Listener, Runtime } from './runtime.js';
import type { ClientSocket, ConnectionMeta, Transport } from './socket.js';
import { checkUpgrade, JSON_SUBPROTOCOL } from './upgrade.js';

/** The slice of Bun's API the adapter uses (bun-types is not a dependency of the Node build). */
interface BunSocket {
  data: { meta: ConnectionMeta; session?: Session };
  readonly readyState: number;
  send(text: string): number;
  close(code: number, reason: string): void;
  getBufferedAmount(): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}
interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: { data: BunSocket['data']; headers?: Record<string, string> }): boolean;
  publish(topic: string, text: string): number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string } | null;
}
declare const Bun: { serve(options: object): BunServer };

const OPEN = 1;

class BunClientSocket implements ClientSocket {
  constructor(readonly ws: BunSocket) {}

  send(text: string): void {
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }
}

/** Channels are Bun topics: one `server.publish` per publication, framed and written natively. */
function bunTransport(server: () => BunServer): Transport {
  const socketOf = (socket: ClientSocket) => (socket as BunClientSocket).ws;
  return {
    broadcast(text, sockets) {
      for (const socket of sockets) socket.send(text);
    },
    topics: {
      subscribe(socket, channel) {
        const ws = socketOf(socket);
        if (ws.readyState === OPEN) ws.subscribe(channel);
      },
      // Bun drops a closed socket from its topics by itself.
      unsubscribe(socket, channel) {
        const ws = socketOf(socket);
        if (ws.readyState === OPEN) ws.unsubscribe(channel);
      },
      publish(channel, text) {
        server().publish(channel, text);
      },
    },
  };
}

function connectionMeta(request: Request, remoteAddress: string | undefined): ConnectionMeta {
  const meta: ConnectionMeta = {};
  const origin = request.headers.get('origin');
  const userAgent = request.headers.get('user-agent');
  if (origin) meta.origin = origin;
  if (userAgent) meta.userAgent = userAgent;
  if (remoteAddress) meta.remoteAddress = remoteAddress;
  return meta;
}

/**
 * Bun: `Bun.serve` for WebSockets and the HTTP routes (the node:http route listener runs behind a
 * small Request/Response bridge). Slow consumers: a socket whose unsent bytes pass the queue limit
 * is closed by Bun (`closeOnBackpressureLimit`), the same limit the Node hub checks after writing.
 */
export function bunRuntime(): Runtime {
  let server: BunServer | undefined;
  const transport = bunTransport(() => server!);
  return {
    name: 'bun',
    transport,
    async listen(node: RealtimeNode, policy) {
      const { config, log } = node;
      const routes = createRequestListener(node, policy);
      server = Bun.serve({
        port: config.http_server.port,
        hostname: config.http_server.address,
        fetch(request: Request, bun: BunServer): Response | Promise<Response> | undefined {
          const remoteAddress = bun.requestIP(request)?.address;
          if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return runRequestListener(routes, request, remoteAddress);
          const origin = request.headers.get('origin') ?? undefined;
          const refusal = checkUpgrade(node, policy, new URL(request.url).pathname, origin);
          if (refusal) return new Response(refusal.body, { status: refusal.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
          const offered = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
          const headers: Record<string, string> = offered.includes(JSON_SUBPROTOCOL) ? { 'Sec-WebSocket-Protocol': JSON_SUBPROTOCOL } : {};
          if (bun.upgrade(request, { data: { meta: connectionMeta(request, remoteAddress) }, headers })) return undefined;
          return new Response('expected a WebSocket upgrade', { status: 400 });
        },
        websocket: {
          maxPayloadLength: config.websocket.message_size_limit,
          backpressureLimit: config.client.queue_max_size,
          closeOnBackpressureLimit: true,
          perMessageDeflate: false,
          // Liveness is the session's job (protocol pings, idle timeout), not the socket's.
          idleTimeout: 0,
          open(ws: BunSocket) {
            ws.data.session = node.openSession(new BunClientSocket(ws), ws.data.meta);
          },
          message(ws: BunSocket, message: string | Uint8Array) {
            ws.data.session?.receive(typeof message === 'string' ? message : Buffer.from(message).toString());
          },
          close(ws: BunSocket, code: number, reason: string) {
            const session = ws.data.session;
            // Bun runs this inside `ws.close()` when the server closes; `ws` emits it later. Defer
            // it so a server-side disconnect finishes first, as it does on Node.
            if (session) queueMicrotask(() => node.closeSession(session, code, reason));
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
