import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { closeReason, WRITE_EACH, type Connection, type ConnectionMeta, type Disconnect, type FanOut, type Frame, type Transport, type WireProtocol } from '../core/index.js';
import { decompressedSizeLimit } from '../config/types.js';
import type { Logger } from '../log.js';
import { connectionMeta, webSocketEndpoint, type Endpoints } from './endpoints.js';
import type { Admission, Refusal } from './policy.js';
import { chooseSubprotocol, requestedProtocol, unidirectionalConnect } from './websocket-shared.js';

/** A peer that ignores our close frame is cut after this long. */
const CLOSE_GRACE_MS = 5_000;

/**
 * The sockets `ws` makes for us: the session side is a field of their own, found by the listeners
 * below without a closure per connection, and declared in the class so that it is not a property
 * added later (which would give every socket an extra out-of-object property store).
 */
class GatewayWebSocket extends WebSocket {
  transport: WebSocketTransport | undefined = undefined;
}

/**
 * `ws` keeps the TCP socket here; writing a pre-framed buffer to it skips per-socket framing. Its
 * receiver keeps the list of chunks it reads from.
 */
type WsInternals = GatewayWebSocket & { _socket: Duplex | null; _receiver?: { _buffers: unknown[] } };

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

function openSocket(ws: WsInternals): Duplex | undefined {
  return ws.readyState === WebSocket.OPEN && ws._socket ? ws._socket : undefined;
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
      const tcp = openSocket((transport as WebSocketTransport).ws);
      if (!tcp) continue;
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
  // Constants on the prototype, not fields of every connection.
  get emulation(): boolean {
    return false;
  }

  get pushesDisconnect(): boolean {
    return false;
  }

  /** Set once the node accepted the connection, before any message can arrive. */
  connection!: Connection;
  /** A unidirectional client's first message is its connect request; the rest is dropped. */
  private connectPending: boolean;

  constructor(
    readonly ws: WsInternals,
    readonly meta: ConnectionMeta,
    readonly unidirectional: boolean,
    readonly fanOut: FanOut,
    readonly protocol: WireProtocol,
    private readonly log: Logger,
  ) {
    this.connectPending = unidirectional;
  }

  get name() {
    return this.unidirectional ? ('uni_websocket' as const) : ('websocket' as const);
  }

  write(frame: Frame): void {
    const tcp = this.fanOut === NODE_WS_FAN_OUT ? openSocket(this.ws) : undefined;
    // One pre-framed buffer, one write, as in fan-out: `ws` corks and writes header and payload apart.
    if (tcp) tcp.write(frameMessage(frame));
    // `ws` sends a string as a text message and bytes as a binary one, compressed when agreed.
    else this.ws.send(frame);
  }

  close({ code, reason }: Disconnect): void {
    this.ws.close(code, closeReason(reason));
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  connectOnce(text: string): void {
    if (!this.connectPending) return;
    this.connectPending = false;
    unidirectionalConnect(this.connection, (d) => this.close(d), text, this.log);
  }

  received(data: Buffer): void {
    if (!this.unidirectional) return this.connection.receive(this.protocol === 'protobuf' ? data : data.toString());
    this.connectOnce(data.toString());
  }

  protocolError(err: Error & { code?: string }): void {
    // `ws` closes by itself after these (1009 too big, 1007 invalid UTF-8, 1002 bad frame).
    this.log.warn({ event: 'socket_error', origin: this.meta.origin, transport: this.name, reason: err.code, detail: err.message }, 'websocket protocol error');
  }
}

// Shared by every socket (`this` is the WebSocket): a connection costs no closures of its own.
const transportOf = (ws: WebSocket): WebSocketTransport => (ws as GatewayWebSocket).transport!;
function onMessage(this: WebSocket, data: Buffer): void {
  transportOf(this).received(data);
  releaseChunkList(this as WsInternals);
}

/**
 * The receiver's chunk list keeps the capacity it grew to for a message, 152 bytes per connection
 * that ever sent one (all of them: connect, then a pong per ping). An empty list is swapped for a
 * new one, which holds nothing: safe at any point, as the receiver reaches the list through its
 * field only.
 */
function releaseChunkList(ws: WsInternals): void {
  const receiver = ws._receiver;
  if (receiver?._buffers.length === 0) receiver._buffers = [];
}
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  transportOf(this).connection.closed(code, reason.toString());
}
function onError(this: WebSocket, err: Error & { code?: string }): void {
  transportOf(this).protocolError(err);
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
      WebSocket: GatewayWebSocket,
      handleProtocols: (protocols) => chooseSubprotocol(protocols, unidirectional) ?? false,
    });
  const servers = { websocket: serverFor(config.websocket.message_size_limit, false), uni_websocket: serverFor(config.uni_websocket.message_size_limit, true) };

  const onUpgradeSocketError = (err: Error) => log.debug({ err }, 'upgrade socket error');
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', onUpgradeSocketError);
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
      servers[endpoint].handleUpgrade(request, socket, head, (ws) => {
        // `ws` listens for the socket's errors from here on; a second listener would turn the
        // socket's error listeners into an array, 64 bytes per connection.
        socket.off('error', onUpgradeSocketError);
        const unidirectional = endpoint === 'uni_websocket';
        const protocol = unidirectional ? 'json' : requestedProtocol(url, ws.protocol);
        open(ws as WsInternals, unidirectional, connectionMeta(request, address, node.proxies.forwardedHeaders), protocol, unidirectional ? url.searchParams.get('cf_connect') : null);
      });
    }, (err: Error) => {
      log.error({ err, origin }, 'upgrade admission failed');
      socket.destroy();
    });
  });

  /** Apart from the upgrade handler, so that no open socket keeps the request or its URL alive. */
  function open(ws: WsInternals, unidirectional: boolean, meta: ConnectionMeta, protocol: WireProtocol, connectParam: string | null): void {
    // A compressed connection gets frames deflated by `ws` with its own context, not shared bytes.
    const compressed = (ws as WsInternals & { _extensions: Record<string, unknown> })._extensions['permessage-deflate'] !== undefined;
    const transport = new WebSocketTransport(ws, meta, unidirectional, compressed ? WRITE_EACH : NODE_WS_FAN_OUT, protocol, log);
    transport.connection = node.accept(transport);
    ws.transport = transport;
    if (connectParam !== null) transport.connectOnce(connectParam);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }
}
