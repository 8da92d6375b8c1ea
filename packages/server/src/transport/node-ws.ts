import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RealtimeNode } from '../node.js';
import type { OriginPolicy } from '../policy/origin.js';
import type { ClientSocket, ConnectionMeta, Transport } from './socket.js';
import { checkUpgrade, JSON_SUBPROTOCOL, type UpgradeRefusal } from './upgrade.js';

/** A peer that ignores our close frame is cut after this long. */
const CLOSE_GRACE_MS = 5_000;

/** `ws` keeps the TCP socket here; writing a pre-framed buffer to it skips per-socket framing. */
type WsInternals = WebSocket & { _socket: Duplex | null };

class WsClientSocket implements ClientSocket {
  constructor(readonly ws: WsInternals) {}

  send(text: string): void {
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/** An unmasked, final text frame (RFC 6455 §5.2): servers never mask, so one buffer serves all. */
export function frameText(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header);
  return frame;
}

/** TCP sockets corked during this turn of the event loop, uncorked together when it ends. */
const corked: Duplex[] = [];
let flushScheduled = false;

function uncorkAll(): void {
  flushScheduled = false;
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/**
 * Fan-out on Node: the push is framed once and the same bytes are written to every open socket.
 * `ws` has nothing queued ahead of us because permessage-deflate is off (its sender only queues
 * while compressing), so writing to the TCP socket directly keeps frame order. Sockets stay corked
 * until the turn ends, so several pushes to one connection leave in one write (one syscall and one
 * TCP segment instead of one each), as uWS does for Bun's topics.
 */
export const nodeWsTransport: Transport = {
  broadcast(text, sockets) {
    const frame = frameText(text);
    for (const socket of sockets) {
      const ws = (socket as WsClientSocket).ws;
      const tcp = ws._socket;
      if (ws.readyState !== WebSocket.OPEN || !tcp) continue;
      if (tcp.writableCorked === 0) {
        tcp.cork();
        corked.push(tcp);
      }
      tcp.write(frame);
    }
    if (!flushScheduled && corked.length > 0) {
      flushScheduled = true;
      setImmediate(uncorkAll);
    }
  },
};

/** Answers an upgrade request with a plain HTTP error before any WebSocket exists. */
function refuseUpgrade(socket: Duplex, { status, statusText, body }: UpgradeRefusal): void {
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function connectionMeta(request: IncomingMessage): ConnectionMeta {
  const meta: ConnectionMeta = {};
  if (request.headers.origin) meta.origin = request.headers.origin;
  if (request.headers['user-agent']) meta.userAgent = request.headers['user-agent'];
  if (request.socket.remoteAddress) meta.remoteAddress = request.socket.remoteAddress;
  return meta;
}

/** Serves the WebSocket endpoint on a Node HTTP server with `ws`. */
export function attachWebSocketEndpoint(server: Server, node: RealtimeNode, policy: OriginPolicy): WebSocketServer {
  const { config, log } = node;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.websocket.message_size_limit,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false),
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    const origin = request.headers.origin;
    const refusal = checkUpgrade(node, policy, path, origin);
    if (refusal) return refuseUpgrade(socket, refusal);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = node.openSession(new WsClientSocket(ws as WsInternals), connectionMeta(request));
      ws.on('message', (data: Buffer) => session.receive(data.toString()));
      ws.on('close', (code: number, reason: Buffer) => node.closeSession(session, code, reason.toString()));
      ws.on('error', (err: Error & { code?: string }) => {
        // `ws` closes by itself after these (1009 too big, 1007 invalid UTF-8, 1002 bad frame).
        log.warn({ event: 'socket_error', client: session.clientId || undefined, origin, reason: err.code, detail: err.message }, 'websocket protocol error');
      });
    });
  });
  return wss;
}
