import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { readResponse, type RawResponse } from './http-response.js';
import { failure, type StepOutcome } from './types.js';
import { defaultPort } from './url.js';

/** RFC 6455 §1.3: the server proves it read our key by hashing it with this GUID. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Where WebSocket endpoints usually live: ours (and the old Suna one), Centrifugo's, the old Renum one. */
const COMMON_PATHS = ['/ws', '/connection/websocket', '/api/v1/ws'];

export const NGINX_UPGRADE_LINES = [
  'proxy_http_version 1.1;',
  'proxy_set_header Upgrade $http_upgrade;',
  'proxy_set_header Connection "upgrade";',
  'proxy_read_timeout 3600s;',
];

function upgradeRequest(url: URL, origin: string | undefined, key: string): string {
  const port = defaultPort(url);
  const host = port === (url.protocol === 'wss:' ? 443 : 80) ? url.hostname : `${url.hostname}:${port}`;
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...(origin ? [`Origin: ${origin}`] : []),
    'User-Agent: renum-realtime-doctor',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function shown(response: RawResponse): string[] {
  const interesting = ['server', 'via', 'location', 'content-type', 'upgrade', 'connection', 'sec-websocket-protocol'];
  const headers = interesting.filter((h) => response.headers[h]).map((h) => `${h}: ${response.headers[h]}`);
  const body = response.body.trim().replace(/\s+/g, ' ').slice(0, 300);
  return [`HTTP ${response.status} ${response.statusText}`, ...headers, ...(body ? [`body: ${body}`] : [])];
}

const upgradeDropped = (what: string, details: string[]): StepOutcome =>
  failure(
    'upgrade_headers_dropped',
    `${what}: something between the browser and the gateway (a reverse proxy, a CDN, a platform router) does not forward the Upgrade and Connection headers, so the request reached a plain HTTP handler`,
    `Forward the upgrade. nginx, in the location that proxies to the gateway:\n    ${NGINX_UPGRADE_LINES.join('\n    ')}\nOther proxies/CDNs: enable WebSocket support for this route.`,
    details,
  );

/** Classifies every answer but 101 (RFC 6455 §4.1: anything else means the handshake failed). */
function diagnose(response: RawResponse, url: URL, origin: string | undefined): StepOutcome {
  const details = shown(response);
  const { status, body } = response;
  const reason = body.trim().slice(0, 200);
  if (status === 403) {
    return origin
      ? failure('origin_not_allowed', `the server refused Origin ${origin}${reason ? `: "${reason}"` : ''}`, `Add ${origin} to client.allowed_origins of the gateway for this environment (renum-realtime check-origin ${origin} --env production shows which rule matches).`, details)
      : failure('forbidden', `the server answered 403 Forbidden${reason ? `: "${reason}"` : ''}`, 'Something refuses the request before the gateway (WAF, IP allow list); rerun with --origin <page origin> to test as a browser would.', details);
  }
  if (status === 401) {
    return failure('unauthorized', `the server answered 401 to the upgrade${response.headers['www-authenticate'] ? ` (WWW-Authenticate: ${response.headers['www-authenticate']})` : ''}: a proxy or the app asks for HTTP auth, which a browser WebSocket cannot send`, 'Exempt the WebSocket path from HTTP authentication; the gateway authenticates with the token in the connect command.', details);
  }
  if (status === 404) {
    // Our gateway answers a plain GET on its WebSocket path with its JSON 404 (code 104): the
    // request did reach the right path, but without its upgrade headers.
    if (/"code":\s*104/.test(body) && body.includes(`not found: ${url.pathname}`)) {
      return upgradeDropped(`the gateway received GET ${url.pathname} as a plain HTTP request`, details);
    }
    const told = /it is (\/\S*)/.exec(body)?.[1];
    const others = COMMON_PATHS.filter((p) => p !== url.pathname);
    return failure(
      'wrong_path',
      `nothing serves WebSockets at ${url.pathname}${told ? `; the server says its endpoint is ${told}` : ''}`,
      told ? `Use ${url.protocol}//${url.host}${told}` : `Check the path: the gateway serves ${COMMON_PATHS[0]} by default (websocket.handler_prefix); other common ones: ${others.join(', ')}. Behind a proxy, check its location block matches the path.`,
      details,
    );
  }
  if (status === 426) {
    return upgradeDropped('the server answered 426 Upgrade Required', details);
  }
  if (status >= 200 && status < 300) return upgradeDropped(`the server answered ${status} instead of 101 Switching Protocols`, details);
  if (status === 400) return upgradeDropped('the server answered 400 to a valid upgrade request', details);
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? '(no Location)';
    return failure('redirect', `the server redirects to ${location}; WebSocket clients do not follow redirects`, `Use the final URL directly${/^https:/i.test(location) ? ` (wss://${location.replace(/^https:\/\//i, '')})` : ''}.`, details);
  }
  if (status === 502 || status === 504) {
    return failure('proxy_upstream', `the proxy answered ${status}: it could not reach the gateway behind it`, 'Check the proxy_pass address and that the gateway is running and listening there.', details);
  }
  if (status === 503) return failure('unavailable', `503${reason ? `: "${reason}"` : ''}: the server is shutting down or overloaded`, 'Retry; if it persists, check the gateway logs and its readiness (/readyz).', details);
  return failure(`http_${status}`, `the server answered ${status} ${response.statusText} instead of 101 Switching Protocols`, 'Check the server logs for this request.', details);
}

/** Step 5: a hand-written upgrade request, so that the raw status and reason are visible. */
export async function checkUpgrade(socket: Socket, url: URL, origin: string | undefined, timeoutMs: number): Promise<StepOutcome> {
  const key = randomBytes(16).toString('base64');
  socket.write(upgradeRequest(url, origin, key));
  let response: RawResponse;
  try {
    response = await readResponse(socket, timeoutMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ETIMEDOUT'
      ? failure('upgrade_timeout', `no HTTP response within ${timeoutMs} ms`, 'A proxy may be buffering the request; check its timeouts and that it proxies to the gateway.')
      : failure('upgrade_no_response', `the connection ended without an HTTP response (${(error as Error).message})`, 'Something in between closes the connection: check proxy/firewall logs; with wss://, check the port really speaks HTTPS.');
  } finally {
    socket.destroy();
  }
  if (response.status !== 101) return diagnose(response, url, origin);
  const details = shown(response);
  const expected = createHash('sha1').update(key + WS_GUID).digest('base64');
  if (response.headers['sec-websocket-accept'] !== expected) {
    return failure('bad_accept', 'the 101 answer carries a wrong Sec-WebSocket-Accept: browsers drop such a connection', 'Something rewrites the handshake; proxy the upgrade unchanged.', details);
  }
  if ((response.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return failure('bad_upgrade_header', `101 without "Upgrade: websocket" (got "${response.headers.upgrade ?? ''}")`, 'Proxy the upgrade unchanged.', details);
  }
  return { details };
}
