import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { closeReason, WRITE_EACH, type ConnectionMeta, type Disconnect, type FanOut, type Frame, type Transport, type WireProtocol } from '../core/index.js';
import { decompressedSizeLimit } from '../config/types.js';
import { connectionMeta, webSocketEndpoint, type Endpoints } from './endpoints.js';
import type { Admission, Refusal } from './policy.js';
import { chooseSubprotocol, requestedProtocol, unidirectionalConnect } from './websocket-shared.js';

/** A peer that ignores our close frame is cut after this long. */
const CLOSE_GRACE_MS = 5_000;

/** `ws` keeps the TCP socket here; writing a pre-framed buffer to it skips per-socket framing. */
type WsInternals = WebSocket & { _socket: Duplex | null };

/**
 * An unmasked, final frame (RFC 6455 §5.2): text (0x81) for JSON, binary (0x82) for protobuf.
 * Servers never mask, so one buffer serves all.
 */
export function frameMessage(message: Frame): Buffer {
  const text = typeof message === 'string';
  const length = text ? Buffer.byteLength(message) : message.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = text ? 0x81 : 0x82;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  if (text) frame.write(message, header);
  else frame.set(message, header);
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
export const NODE_WS_FAN_OUT: FanOut = {
  broadcast(message, transports) {
    const frame = frameMessage(message);
    for (const transport of transports) {
      const ws = (transport as WebSocketTransport).ws;
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

class WebSocketTransport implements Transport {
  readonly emulation = false;
  readonly pushesDisconnect = false;

  constructor(
    readonly ws: WsInternals,
    readonly meta: ConnectionMeta,
    readonly unidirectional: boolean,
    readonly fanOut: FanOut,
    readonly protocol: WireProtocol,
  ) {}

  get name() {
    return this.unidirectional ? ('uni_websocket' as const) : ('websocket' as const);
  }

  write(frame: Frame): void {
    // `ws` sends a string as a text message and bytes as a binary one.
    this.ws.send(frame);
  }

  close({ code, reason }: Disconnect): void {
    this.ws.close(code, closeReason(reason));
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/** Answers an upgrade request with a plain HTTP error before any WebSocket exists. */
function refuseUpgrade(socket: Duplex, { status, statusText, body, retryAfter }: Refusal): void {
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${retryAfter ? `Retry-After: ${retryAfter}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** RFC 6455 §9.1: extension-list = 1#extension, extension = token *( ";" param ), param = token [ "=" (token | quoted-string) ]. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const EXTENSION = `${TOKEN}(\\s*;\\s*${TOKEN}(\\s*=\\s*(${TOKEN}|"[^"]*"))?)*`;
const EXTENSION_LIST = new RegExp(`^\\s*${EXTENSION}(\\s*,\\s*${EXTENSION})*\\s*$`);

/** What `ws` would let through but RFC 6455 refuses: an HTTP/1.0 upgrade, an unparsable extension list. */
function malformedUpgrade(request: IncomingMessage): string | undefined {
  if (request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1)) return 'a WebSocket upgrade needs HTTP/1.1 (RFC 6455 §4.1)';
  const extensions = request.headers['sec-websocket-extensions'];
  if (extensions !== undefined && !EXTENSION_LIST.test(extensions)) return 'Sec-WebSocket-Extensions does not parse (RFC 6455 §9.1)';
  return undefined;
}

/** Serves the WebSocket endpoints (bidirectional and, when on, unidirectional) with `ws`. */
export function attachWebSocketEndpoints(server: Server, admission: Admission, endpoints: Endpoints): void {
  const { node } = admission;
  const { config, log } = node;
  // One server per kind: `maxPayload` is per server, and each kind has its own size limit.
  const { websocket } = config;
  // With permessage-deflate `ws` checks maxPayload against the inflated message: the limit that
  // keeps a small compressed frame from inflating into a huge one.
  const perMessageDeflate = websocket.compression ? { zlibDeflateOptions: { level: websocket.compression_level }, threshold: websocket.compression_min_size } : false;
  const serverFor = (maxPayload: number, unidirectional: boolean) =>
    new WebSocketServer({
      noServer: true,
      maxPayload: websocket.compression ? decompressedSizeLimit(websocket) : maxPayload,
      perMessageDeflate,
      clientTracking: false,
      handleProtocols: (protocols) => chooseSubprotocol(protocols, unidirectional) ?? false,
    });
  const servers = { websocket: serverFor(config.websocket.message_size_limit, false), uni_websocket: serverFor(config.uni_websocket.message_size_limit, true) };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const origin = request.headers.origin;
    const endpoint = webSocketEndpoint(endpoints, url.pathname);
    if (!endpoint) {
      const body = `no WebSocket endpoint at ${url.pathname}; it is ${config.websocket.handler_prefix}`;
      return refuseUpgrade(socket, admission.refuse({ status: 404, statusText: 'Not Found', body, reason: 'wrong_path' }, { path: url.pathname, origin }));
    }
    const malformed = malformedUpgrade(request);
    if (malformed) return refuseUpgrade(socket, admission.refuse({ status: 400, statusText: 'Bad Request', body: malformed, reason: 'bad_handshake' }, { path: url.pathname, origin }));
    const address = admission.addresses.ofRequest(request);
    void admission.admit(endpoint, origin, address).then((refusal) => {
      if (refusal) return refuseUpgrade(socket, refusal);
      // A client that gave up while it waited for its turn: `ws` finds the socket closed.
      servers[endpoint].handleUpgrade(request, socket, head, (ws) => accept(ws, request, url, endpoint, origin, address));
    }, (err: Error) => {
      log.error({ err, origin }, 'upgrade admission failed');
      socket.destroy();
    });
  });

  function accept(ws: WebSocket, request: IncomingMessage, url: URL, endpoint: 'websocket' | 'uni_websocket', origin: string | undefined, address: string | undefined): void {
    const unidirectional = endpoint === 'uni_websocket';
    // A compressed connection gets frames deflated by `ws` with its own context, not shared bytes.
    const compressed = (ws as WsInternals & { _extensions: Record<string, unknown> })._extensions['permessage-deflate'] !== undefined;
    const protocol = unidirectional ? 'json' : requestedProtocol(url, ws.protocol);
    const transport = new WebSocketTransport(ws as WsInternals, connectionMeta(request, address), unidirectional, compressed ? WRITE_EACH : NODE_WS_FAN_OUT, protocol);
    const connection = node.accept(transport);
    const close = (d: Disconnect) => transport.close(d);
    let connectPending = unidirectional;
    const connectParam = url.searchParams.get('cf_connect');
    if (unidirectional && connectParam !== null) {
      connectPending = false;
      unidirectionalConnect(connection, close, connectParam, log);
    }
    ws.on('message', (data: Buffer) => {
      if (!unidirectional) return connection.receive(protocol === 'protobuf' ? data : data.toString());
      if (!connectPending) return;
      connectPending = false;
      unidirectionalConnect(connection, close, data.toString(), log);
    });
    ws.on('close', (code: number, reason: Buffer) => connection.closed(code, reason.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      // `ws` closes by itself after these (1009 too big, 1007 invalid UTF-8, 1002 bad frame).
      log.warn({ event: 'socket_error', origin, transport: transport.name, reason: err.code, detail: err.message }, 'websocket protocol error');
    });
  }
}
