import type { IncomingMessage, ServerResponse } from 'node:http';
import { DecodeError, PROTOBUF_CONTENT_TYPE, decodeConnectRequest, type ConnectRequest } from '@renum-realtime/protocol';
import type { ConnectionMeta, FanOut, Frame, Transport, WireProtocol } from '../core/index.js';
import { connectionMeta, type HttpTransportName } from './endpoints.js';
import { transportCors, type Admission } from './policy.js';

/** How a client that went away without a word is recorded (Centrifugo's "connection closed"). */
const CLIENT_GONE = { code: 3000, reason: 'connection closed' };

/**
 * The HTTP transports write newline-delimited messages (http_stream) or one Server-Sent Event per
 * message (sse); a frame's messages never contain a raw newline (JSON escapes it). A protobuf
 * frame (http_stream only) is a run of length-delimited messages and goes out as it is.
 */
const formats: Record<HttpTransportName, (frame: string) => string> = {
  http_stream: (frame) => `${frame}\n`,
  uni_http_stream: (frame) => `${frame}\n`,
  sse: (frame) => `data: ${frame.replaceAll('\n', '\n\ndata: ')}\n\n`,
  uni_sse: (frame) => `data: ${frame.replaceAll('\n', '\n\ndata: ')}\n\n`,
};

function format(name: HttpTransportName, frame: Frame): string | Uint8Array {
  return typeof frame === 'string' ? formats[name](frame) : frame;
}

/** Whether a POST body (http_stream, `/emulation`) is protobuf, as the SDK's protobuf build sends it. */
export function isProtobufBody(req: IncomingMessage): boolean {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

/** Responses corked during this turn of the event loop, uncorked together when it ends. */
const corked = new Set<ServerResponse>();

function uncorkAll(): void {
  for (const res of corked) res.uncork();
  corked.clear();
}

function corkedWrite(res: ServerResponse, bytes: Uint8Array | string): void {
  if (res.writableEnded) return;
  if (!corked.has(res)) {
    if (corked.size === 0) setImmediate(uncorkAll);
    res.cork();
    corked.add(res);
  }
  res.write(bytes);
}

/**
 * Fan-out over one HTTP transport kind: the frame is formatted and encoded once for every
 * response, and each response stays corked until the turn ends, so several pushes leave in one
 * chunk and one write instead of one each.
 */
function httpFanOut(name: HttpTransportName): FanOut {
  return {
    broadcast(frame, transports) {
      const formatted = format(name, frame);
      const bytes = typeof formatted === 'string' ? Buffer.from(formatted) : formatted;
      for (const transport of transports) corkedWrite((transport as StreamingTransport).res, bytes);
    },
  };
}

const FAN_OUTS: Record<HttpTransportName, FanOut> = {
  http_stream: httpFanOut('http_stream'),
  uni_http_stream: httpFanOut('uni_http_stream'),
  sse: httpFanOut('sse'),
  uni_sse: httpFanOut('uni_sse'),
};

/** One streaming HTTP response as a client connection. */
class StreamingTransport implements Transport {
  readonly pushesDisconnect = true;

  constructor(
    readonly name: HttpTransportName,
    readonly meta: ConnectionMeta,
    readonly res: ServerResponse,
    readonly protocol: WireProtocol,
  ) {}

  get fanOut(): FanOut {
    return FAN_OUTS[this.name];
  }

  get unidirectional(): boolean {
    return this.name === 'uni_http_stream' || this.name === 'uni_sse';
  }

  get emulation(): boolean {
    return !this.unidirectional;
  }

  write(frame: Frame): void {
    corkedWrite(this.res, format(this.name, frame));
  }

  close(): void {
    this.res.end();
  }

  get bufferedAmount(): number {
    return this.res.writableLength;
  }
}

export class RequestBodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a request body up to `limit` bytes; a larger one is refused with 413 before it is buffered whole. */
export async function readLimitedBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestBodyError(413, `request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<string> {
  return (await readLimitedBytes(req, limit)).toString('utf8');
}

export function sendPlain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * What the client sent to open the stream: the commands of its first frame (connect, and the
 * subscribes batched with it) for http_stream and sse, a bare connect request for the
 * unidirectional ones. SSE sends it in the `cf_connect` query parameter of its GET (EventSource
 * cannot POST); a POST body works for every transport.
 */
async function openingRequest(name: HttpTransportName, req: IncomingMessage, url: URL, limit: number): Promise<Frame> {
  if (req.method === 'GET' && (name === 'sse' || name === 'uni_sse')) {
    const connect = url.searchParams.get('cf_connect');
    if (connect === null && name === 'sse') throw new RequestBodyError(400, 'the connect command goes in the cf_connect query parameter');
    if ((connect ?? '').length > limit) throw new RequestBodyError(413, `cf_connect is larger than ${limit} bytes`);
    return connect ?? '';
  }
  if (req.method !== 'POST') throw new RequestBodyError(400, `${name} takes ${name.endsWith('sse') ? 'GET or ' : ''}POST`);
  return name === 'http_stream' && isProtobufBody(req) ? readLimitedBytes(req, limit) : readLimitedBody(req, limit);
}

/**
 * Serves one HTTP-streaming or SSE connection, bidirectional (its later commands come through
 * `/emulation`) or unidirectional, with the same policy as the WebSocket upgrade.
 */
export async function serveStream(admission: Admission, name: HttpTransportName, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { node, policy } = admission;
  const { log } = node;
  const origin = req.headers.origin;
  const cors = transportCors(policy, origin);
  const address = admission.addresses.ofRequest(req);
  const refusal = await admission.admit(name, origin, address);
  if (refusal) return sendPlain(res, refusal.status, refusal.body, { ...cors, ...(refusal.retryAfter ? { 'Retry-After': String(refusal.retryAfter) } : {}) });
  let opening: Frame;
  let connect: ConnectRequest | undefined;
  try {
    opening = await openingRequest(name, req, url, node.config[name].max_request_body_size);
    if (name === 'uni_http_stream' || name === 'uni_sse') connect = decodeConnectRequest(opening as string);
  } catch (error) {
    const status = error instanceof RequestBodyError ? error.status : error instanceof DecodeError ? 400 : undefined;
    if (status === undefined) throw error;
    log.warn({ event: 'transport_request_rejected', transport: name, status, origin, detail: (error as Error).message }, 'connection request refused');
    return sendPlain(res, status, (error as Error).message, cors);
  }
  // Only http_stream has a protobuf variant (the SDK's SSE puts its connect command in the URL as text).
  const protocol: WireProtocol = typeof opening === 'string' ? 'json' : 'protobuf';
  res.writeHead(200, {
    ...cors,
    'Content-Type': name.endsWith('sse') ? 'text/event-stream; charset=utf-8' : protocol === 'protobuf' ? PROTOBUF_CONTENT_TYPE : 'application/x-ndjson',
    // nginx buffers responses unless told not to; a buffered stream delivers nothing live.
    'X-Accel-Buffering': 'no',
    'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0',
    Pragma: 'no-cache',
    Expires: '0',
    ...(req.httpVersionMajor === 1 ? { Connection: 'keep-alive' } : {}),
  });
  // Some EventSource implementations wait for the first bytes before they report the stream open.
  if (name.endsWith('sse')) res.write('\r\n');
  else res.flushHeaders();
  const connection = node.accept(new StreamingTransport(name, connectionMeta(req, address, node.proxies.forwardedHeaders), res, protocol));
  res.on('close', () => connection.closed(CLIENT_GONE.code, CLIENT_GONE.reason));
  if (connect) connection.connectUnidirectional(connect);
  else connection.receive(opening);
}
