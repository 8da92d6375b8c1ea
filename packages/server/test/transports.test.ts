import { createServer } from 'node:net';
import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedTransport as connected, follow, once, until } from './support/client.js';
import { TRANSPORT_TEST_CONFIG, TRANSPORT_TEST_RPC, newFallbackClient, transportList, type FallbackTransport } from './support/fallback.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
let base: string;

beforeAll(async () => {
  gw = await startGateway(TRANSPORT_TEST_CONFIG, TRANSPORT_TEST_RPC);
  base = gw.gateway.baseUrl;
});
afterAll(() => gw.close());


describe.each<FallbackTransport>(['http_stream', 'sse'])('the official SDK over %s', (transport) => {
  it('connects, subscribes, receives, publishes, and asks presence, history and RPC', async () => {
    const client = newFallbackClient(base, [transport], { token: await gw.token(`${transport}-1`) });
    expect(await connected(client)).toBe(transport);
    const channel = `runs:${transport}-basic`;
    const { sub, data } = await follow(client, channel);
    await gw.api('publish', { channel, data: { step: 1 } });
    await sub.publish({ step: 2 });
    await until(() => data.length === 2, 5000, 'both publications');
    expect(data).toEqual([{ step: 1 }, { step: 2 }]);
    const presence = await sub.presence();
    expect(Object.values(presence.clients).map((c) => c.user)).toEqual([`${transport}-1`]);
    const history = await sub.history({ limit: 10 });
    expect(history.publications.map((p) => p.data)).toEqual([{ step: 1 }, { step: 2 }]);
    const rpc = await client.rpc('runs.start', { run: 42 });
    expect(rpc.data).toEqual({ started: true, by: `${transport}-1`, echo: { run: 42 } });
    client.disconnect();
  });

  it('refreshes an expiring token through getToken without dropping the connection', async () => {
    let calls = 0;
    const client = newFallbackClient(base, [transport], {
      token: await gw.token(`${transport}-refresh`, { ttlSeconds: 2 }),
      getToken: async () => {
        calls += 1;
        return gw.token(`${transport}-refresh`, { ttlSeconds: 60 });
      },
    });
    const states: string[] = [];
    client.on('state', (ctx) => states.push(ctx.newState));
    await connected(client);
    await until(() => calls >= 1, 5000, 'getToken');
    // Past the first token's expiry plus the close delay: still the same connection.
    await new Promise((r) => setTimeout(r, 1500));
    expect(states).toEqual(['connecting', 'connected']);
    const { sub } = await follow(client, `runs:${transport}-refresh`);
    expect(sub.state).toBe('subscribed');
    client.disconnect();
  });

  it('recovers what was published while it reconnected, with no gap and no duplicate', async () => {
    const user = `${transport}-recover`;
    const client = newFallbackClient(base, [transport], { token: await gw.token(user), minReconnectDelay: 400, maxReconnectDelay: 600 });
    await connected(client);
    const channel = `runs:${transport}-recover`;
    const { sub, offsets } = await follow(client, channel);
    for (let i = 1; i <= 3; i++) await gw.api('publish', { channel, data: { i } });
    await until(() => offsets.length === 3);
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await gw.api('disconnect', { user, disconnect: { code: 4000, reason: 'test reconnect' } });
    for (let i = 4; i <= 8; i++) await gw.api('publish', { channel, data: { i } });
    const ctx = await resubscribed;
    expect(ctx).toMatchObject({ wasRecovering: true, recovered: true });
    await until(() => offsets.length >= 8);
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    client.disconnect();
  });

  it('tells the client why it is closed: a terminal code stops it, as over WebSocket', async () => {
    const user = `${transport}-banned`;
    const client = newFallbackClient(base, [transport], { token: await gw.token(user) });
    await connected(client);
    const disconnected = once<{ code: number; reason: string }>(client, 'disconnected');
    await gw.api('disconnect', { user });
    expect(await disconnected).toEqual({ code: 3503, reason: 'force disconnect' });
    expect(client.state).toBe('disconnected');
  });
});

describe('shutdown and metrics', () => {
  it('labels connections by transport in /metrics', async () => {
    const clients = await Promise.all((['http_stream', 'sse', 'websocket'] as const).map(async (transport) => {
      const client = newFallbackClient(base, [transport], { token: await gw.token(`metrics-${transport}`) });
      await connected(client);
      return client;
    }));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const transport of ['http_stream', 'sse', 'websocket']) expect(metrics).toMatch(new RegExp(`realtime_connections\\{transport="${transport}"\\} [1-9]`));
    for (const client of clients) client.disconnect();
  });

  it('drains HTTP-streaming and SSE clients on shutdown with 3001, and they reconnect elsewhere', async () => {
    const draining = await startGateway();
    const base = draining.gateway.baseUrl;
    const clients = await Promise.all((['http_stream', 'sse'] as const).map(async (transport) => {
      const client = newFallbackClient(base, [transport], { token: await draining.token(`drain-${transport}`), minReconnectDelay: 5000 });
      await connected(client);
      return client;
    }));
    const reconnecting = clients.map((c) => once<{ code: number; reason: string }>(c, 'connecting'));
    await draining.close();
    for (const ctx of await Promise.all(reconnecting)) expect(ctx).toEqual({ code: 3001, reason: 'shutdown' });
    for (const client of clients) client.disconnect();
  });
});

describe('fallback', () => {
  it('falls back from a WebSocket endpoint that drops the upgrade to http_stream', async () => {
    // A middlebox that accepts the TCP connection and closes it: the upgrade never completes.
    const dropper = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    const port = (dropper.address() as { port: number }).port;
    const real = newFallbackClient(base, [{ transport: 'websocket', endpoint: `ws://127.0.0.1:${port}/connection/websocket` }, ...transportList(base, ['http_stream'])], {
      token: await gw.token('fallback-1'),
    });
    const errors: string[] = [];
    real.on('error', (ctx) => ctx.transport && errors.push(ctx.transport));
    expect(await connected(real)).toBe('http_stream');
    expect(errors).toContain('websocket');
    const { data } = await follow(real, 'runs:fallback');
    await gw.api('publish', { channel: 'runs:fallback', data: 'live' });
    await until(() => data.length === 1);
    real.disconnect();
    dropper.close();
  });
});

async function readStream(response: Response, until: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(text)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(text)}`);
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('unidirectional transports', () => {
  let uni: TestGateway;
  beforeAll(async () => {
    uni = await startGateway({
      uni_sse: { enabled: true },
      uni_http_stream: { enabled: true },
      uni_websocket: { enabled: true },
    });
  });
  afterAll(() => uni.close());

  it('uni_sse: a GET with the connect request in cf_connect streams the connect push, then publications', async () => {
    const token = await uni.token('uni-sse', { channels: ['news:uni-sse'] });
    const controller = new AbortController();
    const response = await fetch(`${uni.gateway.baseUrl}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token }))}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const publish = (async () => {
      await until(() => uni.gateway.node.sessions.forUser('uni-sse').length > 0);
      await uni.api('publish', { channel: 'news:uni-sse', data: { text: 'hello' } });
    })();
    const text = await readStream(response, (t) => t.includes('"pub"'));
    await publish;
    const events = text.split('\n\n').map((e) => e.trim()).filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)));
    expect(events[0].connect).toMatchObject({ client: expect.any(String), session: expect.any(String), subs: { 'news:uni-sse': {} } });
    expect(events[0].connect.pong).toBeUndefined();
    expect(events.find((e) => e.pub)).toEqual({ channel: 'news:uni-sse', pub: { data: { text: 'hello' }, offset: 1 } });
    controller.abort();
  });

  it('uni_http_stream: a POSTed connect request streams newline-delimited pushes', async () => {
    const token = await uni.token('uni-http', { channels: ['news:uni-http'] });
    const response = await fetch(`${uni.gateway.baseUrl}/connection/uni_http_stream`, { method: 'POST', body: JSON.stringify({ token }) });
    expect(response.status).toBe(200);
    const publish = (async () => {
      await until(() => uni.gateway.node.sessions.forUser('uni-http').length > 0);
      await uni.api('publish', { channel: 'news:uni-http', data: 7 });
    })();
    const text = await readStream(response, (t) => t.includes('"pub"'));
    await publish;
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines[0].connect.client).toEqual(expect.any(String));
    expect(lines.find((l) => l.pub)).toEqual({ channel: 'news:uni-http', pub: { data: 7, offset: 1 } });
  });

  it('uni_websocket: the first message is the connect request; an expired token closes with 3005', async () => {
    const { default: WebSocket } = await import('ws');
    const wsUrl = `${uni.gateway.baseUrl.replace('http', 'ws')}/connection/uni_websocket`;
    const ws = new WebSocket(wsUrl);
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await once(ws as never, 'open');
    ws.send(JSON.stringify({ token: await uni.token('uni-ws', { channels: ['news:uni-ws'] }) }));
    await until(() => messages.length === 1);
    await uni.api('publish', { channel: 'news:uni-ws', data: 'x' });
    await until(() => messages.length === 2);
    expect(messages[0].connect.subs).toHaveProperty('news:uni-ws');
    expect(messages[1]).toEqual({ channel: 'news:uni-ws', pub: { data: 'x', offset: 1 } });
    ws.close();

    const expired = new WebSocket(`${wsUrl}?cf_connect=${encodeURIComponent(JSON.stringify({ token: await uni.token('uni-ws', { ttlSeconds: -10 }) }))}`);
    const [code] = (await new Promise((resolve) => expired.on('close', (...args) => resolve(args)))) as [number];
    expect(code).toBe(3005);
  });

  it('are off unless enabled: their paths answer 404', async () => {
    expect((await fetch(`${base}/connection/uni_sse`)).status).toBe(404);
  });
});
