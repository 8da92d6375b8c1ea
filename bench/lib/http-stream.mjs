import { Agent, request } from 'node:http';

/** Pongs and other commands of HTTP sessions go through `/emulation`, over a few kept-alive sockets. */
const emulationAgent = new Agent({ keepAlive: true, maxSockets: 16 });

const PATHS = { http_stream: '/connection/http_stream', sse: '/connection/sse' };
const NEWLINE = 0x0a;

/**
 * A gateway client over HTTP-streaming or SSE, with RawSocket's interface so BenchClient drives
 * it unchanged: the first `send` opens the stream with the connect frame (POST body, or SSE's
 * `cf_connect`), later ones go to `/emulation` addressed by the session the connect reply named.
 * `onFrame` gets whole messages, so a publication is never split across two calls.
 */
export class HttpStreamSocket {
  constructor(transport, onFrame, onClose) {
    this.transport = transport;
    this.onFrame = onFrame;
    this.onClose = onClose;
    this.open = false;
    this.rest = null;
    this.session = undefined;
  }

  /** Nothing to dial yet: HTTP transports send their connect command with the request. */
  async connect(host, port) {
    this.host = host;
    this.port = port;
    this.open = true;
  }

  send(text) {
    if (!this.open) return;
    if (!this.response && !this.request) return this.start(text);
    if (!this.session) return;
    const body = JSON.stringify({ session: this.session.session, node: this.session.node, data: text });
    const req = request({ host: this.host, port: this.port, path: '/emulation', method: 'POST', agent: emulationAgent, headers: { 'Content-Type': 'application/json' } });
    req.on('response', (res) => res.resume());
    req.on('error', () => this.close());
    req.end(body);
  }

  close() {
    this.open = false;
    this.request?.destroy();
  }

  start(frame) {
    const sse = this.transport === 'sse';
    const path = sse ? `${PATHS.sse}?cf_connect=${encodeURIComponent(frame)}` : PATHS.http_stream;
    this.request = request({ host: this.host, port: this.port, path, method: sse ? 'GET' : 'POST', agent: false, headers: sse ? {} : { 'Content-Type': 'application/json' } });
    this.request.on('response', (res) => {
      this.response = res;
      res.on('data', (chunk) => this.read(chunk));
      res.on('close', () => {
        this.open = false;
        this.onClose?.();
      });
    });
    this.request.on('error', () => {
      this.open = false;
      this.onClose?.();
    });
    this.request.end(sse ? undefined : frame);
  }

  read(chunk) {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = buf.lastIndexOf(NEWLINE);
    if (end === -1) return void (this.rest = buf);
    this.rest = end + 1 < buf.length ? buf.subarray(end + 1) : null;
    for (const line of buf.subarray(0, end).toString().split('\n')) {
      const message = this.transport === 'sse' ? (line.startsWith('data: ') ? line.slice(6) : '') : line;
      if (message === '' || message === '\r') continue;
      if (!this.session && message.includes('"connect":')) this.session = JSON.parse(message).connect;
      this.onFrame(Buffer.from(message));
    }
  }
}
