import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, until } from './support/client.js';
import { newFallbackClient } from './support/fallback.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
let base: string;
const ALLOWED = 'https://app.renum.example';

beforeAll(async () => {
  gw = await startGateway({
    client: { allowed_origins: [ALLOWED], queue_max_size: 65_536 },
    http_stream: { max_request_body_size: 2048 },
    emulation: { max_request_body_size: 2048 },
    uni_sse: { enabled: true },
  }, undefined, { captureLogs: true });
  base = gw.gateway.baseUrl;
});
afterAll(() => gw.close());

const logged = (event: string, fields: Record<string, unknown> = {}) =>
  until(() => gw.logs.some((line) => line.event === event && Object.entries(fields).every(([k, v]) => line[k] === v)), 3000, `log ${event}`);

/** After every bad request, a well-behaved client on the same gateway is still served. */
async function bystanderStillServed(): Promise<void> {
  const client = newFallbackClient(base, ['http_stream'], { token: await gw.token('bystander') });
  client.connect();
  const { data } = await follow(client, 'news:bystander');
  await gw.api('publish', { channel: 'news:bystander', data: 'ok' });
  await until(() => data.length === 1, 3000, 'bystander publication');
  client.disconnect();
}

async function streamText(response: Response, timeoutMs = 3000): Promise<string> {
  const reader = response.body!.getReader();
  let text = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(timer);
  return text;
}

describe('origin policy and CORS on the HTTP transports', () => {
  it('refuses a disallowed origin on http_stream and sse exactly as on the upgrade (403, logged, counted)', async () => {
    const evil = 'https://evil.example';
    const stream = await fetch(`${base}/connection/http_stream`, { method: 'POST', headers: { Origin: evil }, body: '{}' });
    expect(stream.status).toBe(403);
    expect(stream.headers.get('access-control-allow-origin')).toBeNull();
    expect(await stream.text()).toContain('is not in client.allowed_origins');
    const sse = await fetch(`${base}/connection/sse?cf_connect=%7B%7D`, { headers: { Origin: evil } });
    expect(sse.status).toBe(403);
    await logged('handshake_rejected', { reason: 'origin_not_allowed', transport: 'sse' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/realtime_handshake_rejections_total\{reason="origin_not_allowed"\} [2-9]/);
  });

  it('answers a preflight from an allowed origin with that origin and credentials, never *', async () => {
    const ok = await fetch(`${base}/connection/http_stream`, {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type');
    const denied = await fetch(`${base}/emulation`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends CORS headers on the stream itself for an allowed origin', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/connection/http_stream`, {
      method: 'POST', signal: controller.signal, headers: { Origin: ALLOWED, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 1, connect: { token: await gw.token('cors') } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    controller.abort();
  });
});

describe('fallback reports', () => {
  it('counts a valid report and refuses anything else without minting new metric labels', async () => {
    const post = (body: unknown, origin = ALLOWED) =>
      fetch(`${base}/connection/fallback`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const ok = await post({ from: 'websocket', to: 'sse', reason: 'transport_closed', code: 1006, elapsed_ms: 140 });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect((await post({ from: 'websocket', to: 'sse', reason: '<script>', elapsed_ms: 1 })).status).toBe(400);
    expect((await post({ from: 'carrier-pigeon', to: 'sse', reason: 'timeout', elapsed_ms: 1 })).status).toBe(400);
    expect((await post('{')).status).toBe(400);
    expect((await post('x'.repeat(5000))).status).toBe(413);
    expect((await post({ from: 'websocket', to: 'sse', reason: 'timeout', elapsed_ms: 1 }, 'https://evil.example')).status).toBe(403);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const series = metrics.split('\n').filter((line) => line.startsWith('realtime_transport_fallbacks_total{'));
    expect(series).toEqual(['realtime_transport_fallbacks_total{from="websocket",to="sse",reason="transport_closed"} 1']);
    await logged('fallback_report_rejected', { status: 403 });
  });
});

describe('bad input on the HTTP transports', () => {
  it('refuses an http_stream body over max_request_body_size with 413 and a log line', async () => {
    const response = await fetch(`${base}/connection/http_stream`, { method: 'POST', body: 'x'.repeat(4096) });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('larger than 2048 bytes');
    await logged('transport_request_rejected', { transport: 'http_stream', status: 413 });
    await bystanderStillServed();
  });

  it('closes an http_stream whose connect frame is malformed with a 3501 disconnect push', async () => {
    const response = await fetch(`${base}/connection/http_stream`, { method: 'POST', body: '{"id":1,"connect":' });
    expect(response.status).toBe(200);
    const lines = (await streamText(response)).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toEqual([{ push: { disconnect: { code: 3501, reason: 'bad request' } } }]);
    await until(() => gw.logs.some((l) => l.msg === 'malformed frame' && l.transport === 'http_stream'), 3000, 'malformed frame log');
  });

  it('answers sse without cf_connect, and a malformed uni_sse connect request, with 400', async () => {
    const sse = await fetch(`${base}/connection/sse`);
    expect(sse.status).toBe(400);
    expect(await sse.text()).toContain('cf_connect');
    const uni = await fetch(`${base}/connection/uni_sse?cf_connect=${encodeURIComponent('{"token":')}`);
    expect(uni.status).toBe(400);
    await logged('transport_request_rejected', { transport: 'uni_sse', status: 400 });
  });

  it('answers bad emulation requests with a clear status and a log line each', async () => {
    const post = (body: string) => fetch(`${base}/emulation`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect((await fetch(`${base}/emulation`)).status).toBe(405);
    expect((await post('not json')).status).toBe(400);
    expect((await post(JSON.stringify({ node: 1, session: 's', data: '' }))).status).toBe(400);
    expect((await post('x'.repeat(4096))).status).toBe(413);
    const unknownNode = await post(JSON.stringify({ node: 'no-such-node', session: 's', data: '{}' }));
    expect(unknownNode.status).toBe(404);
    await logged('emulation_rejected', { reason: 'unknown_node', status: 404 });
    // A session gone from a live node: 204, and its stream (if any) has ended.
    const gone = await post(JSON.stringify({ node: gw.gateway.node.uid, session: 'gone', data: '{"id":5,"presence":{"channel":"x"}}' }));
    expect(gone.status).toBe(204);
    await logged('emulation_no_session');
    await bystanderStillServed();
  });

  it('closes a garbage emulation command with 3501 on its own session only', async () => {
    const victim = newFallbackClient(base, ['http_stream'], { token: await gw.token('victim') });
    const session = new Promise<{ session: string; node: string }>((resolve) => {
      // The SDK keeps these private; the test reads what the connect reply gave it.
      victim.on('connected', () => resolve({ session: (victim as any)._session, node: (victim as any)._node }));
    });
    const disconnected = new Promise<{ code: number }>((resolve) => victim.on('disconnected', resolve));
    victim.connect();
    const { session: id, node } = await session;
    const response = await fetch(`${base}/emulation`, { method: 'POST', body: JSON.stringify({ node, session: id, data: '{"id":9,"nonsense":{}}' }) });
    expect(response.status).toBe(204);
    expect((await disconnected).code).toBe(3501);
    await bystanderStillServed();
  });

  it('sheds an http_stream consumer that stops reading with 3008 once its unsent bytes pass queue_max_size', async () => {
    const token = await gw.token('slow', { channels: ['news:slow'] });
    const body = JSON.stringify({ id: 1, connect: { token } });
    const socket = connect(gw.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /connection/http_stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // Read the response head, then stop reading: the server's buffers fill up.
    await new Promise((resolve) => socket.once('data', resolve));
    socket.pause();
    await until(() => gw.gateway.node.sessions.forUser('slow').length === 1, 3000, 'slow client connected');
    const payload = 'y'.repeat(16_384);
    for (let i = 0; i < 400 && gw.gateway.node.sessions.forUser('slow').length > 0; i++) {
      await gw.api('publish', { channel: 'news:slow', data: { i, payload } });
    }
    await logged('disconnect', { user: 'slow', code: 3008 });
    socket.destroy();
    await bystanderStillServed();
  });
});
