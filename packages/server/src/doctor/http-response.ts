import type { Duplex } from 'node:stream';

export interface RawResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The first bytes of the body (a reason text, an HTML error page…). */
  body: string;
}

const MAX_BODY = 2048;
/** After the head, how long to wait for body bytes that have no Content-Length. */
const BODY_IDLE_MS = 300;

function parseHead(head: string): Omit<RawResponse, 'body'> | undefined {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const match = /^HTTP\/\d(?:\.\d)? (\d{3}) ?(.*)$/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers };
}

/**
 * Reads one HTTP response off a socket by hand: the upgrade is the one request where we must see
 * the raw status line and headers, whatever sits between us and the gateway.
 */
export function readResponse(socket: Duplex, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let head: Omit<RawResponse, 'body'> | undefined;
    let bodyStart = 0;
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      cleanup();
      if (!head) return reject(Object.assign(new Error(buffer.length ? 'not an HTTP response' : 'connection closed before any response'), { code: buffer.length ? 'EPROTO' : 'ECONNRESET' }));
      resolve({ ...head, body: buffer.subarray(bodyStart, bodyStart + MAX_BODY).toString('utf8') });
    };
    const timer = setTimeout(() => (head ? finish() : (cleanup(), reject(Object.assign(new Error('no response'), { code: 'ETIMEDOUT' })))), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = parseHead(buffer.subarray(0, end).toString('latin1'));
        bodyStart = end + 4;
        if (!head) return finish();
        // 101: what follows is WebSocket frames, not a body.
        if (head.status === 101) return finish();
      }
      const length = Number(head.headers['content-length'] ?? NaN);
      if (buffer.length - bodyStart >= Math.min(MAX_BODY, Number.isNaN(length) ? MAX_BODY : length)) return finish();
      clearTimeout(idle);
      idle = setTimeout(finish, BODY_IDLE_MS);
    };
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(idle);
      socket.off('data', onData);
      socket.off('end', finish);
      socket.off('close', finish);
      socket.off('error', onError);
    };
    const onError = (error: Error) => (head ? finish() : (cleanup(), reject(error)));
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', onError);
  });
}
