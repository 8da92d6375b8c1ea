import { connect } from 'node:net';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { collect, newClient, once, pushes, recordingWebSocket, until } from './support/client.js';
import { newFallbackClient } from './support/fallback.js';
import { RawClient } from './support/raw-client.js';
import { baseTestConfig, callApi, deepMerge, TEST_SECRET, writeConfigFile } from './support/gateway.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';

/** The official client against the gateway running under Bun (Bun.serve, native topic fan-out). */
let gateway: GatewayProcess;
let apiUrl: string;
const token = (user: string) => mintToken(TEST_SECRET, { user });
const api = (method: string, body: unknown) => callApi(apiUrl, method, body);
const logLines = (): Array<Record<string, any>> => gateway.stdout.join('').trim().split('\n').map((l) => JSON.parse(l));

beforeAll(async () => {
  const config = writeConfigFile(deepMerge(baseTestConfig, {
    log: { level: 'info' },
    client: { allowed_origins: ['http://localhost:3000'], queue_max_size: 65_536 },
    channel: { without_namespace: { allowed_delta_types: ['fossil'], allow_channel_compaction: true } },
  }));
  gateway = await spawnGateway(['serve', '--config', config], {}, undefined, 'bun');
  const url = new URL(gateway.url);
  apiUrl = `http://${url.host}/api`;
});
afterAll(async () => {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
});

/** Sends an upgrade request by hand and returns the HTTP status the server answers with. */
function upgradeStatus(wsUrl: string, origin: string): Promise<number> {
  const { hostname, port, pathname } = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${origin}\r\n\r\n`);
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(Number(data.toString('latin1').split(' ')[1]));
    });
    socket.once('error', reject);
  });
}

describe('gateway on Bun', () => {
  it('serves JSON, protobuf and fossil delta subscribers of one channel, each its own frames, JSON ones by channel id', async () => {
    const channel = 'bun-mixed';
    const jsonFrames: string[] = [];
    const json = newClient(gateway.url, { token: await token('bun-json'), websocket: recordingWebSocket(jsonFrames) });
    const protobuf = new ProtobufCentrifuge(gateway.url, { websocket: WebSocket, token: await token('bun-protobuf'), timeout: 3000 });
    const delta = newClient(gateway.url, { token: await token('bun-delta') });
    const jsonSub = json.newSubscription(channel);
    const protobufSub = protobuf.newSubscription(channel);
    const deltaSub = delta.newSubscription(channel, { delta: 'fossil' });
    const received = { json: collect(jsonSub), delta: collect(deltaSub), protobuf: [] as unknown[] };
    protobufSub.on('publication', (ctx) => received.protobuf.push(JSON.parse(new TextDecoder().decode(ctx.data as Uint8Array))));
    for (const [client, sub] of [[json, jsonSub], [protobuf, protobufSub], [delta, deltaSub]] as const) {
      client.connect();
      sub.subscribe();
      await sub.ready(3000);
    }
    const published = Array.from({ length: 10 }, (_, i) => ({ run: 'bun-run', step: i + 1, status: 'running', note: `step ${i + 1} of 10 passed` }));
    for (const data of published) await api('publish', { channel, data, delta: true });
    await until(() => received.json.length === 10 && received.protobuf.length === 10 && received.delta.length === 10, 5000, 'every subscriber');
    expect(received).toEqual({ json: published, protobuf: published, delta: published });
    expect(deltaSub.deltaStats().numDeltaPayloads).toBe(9);
    // Compacting members have a Bun topic of their own, whose frames carry the channel's id.
    const publications = pushes(jsonFrames).filter((push) => push.pub);
    expect(publications).toHaveLength(10);
    expect(publications.every((push) => typeof push.id === 'number' && push.channel === undefined)).toBe(true);
    for (const client of [json, protobuf, delta]) client.disconnect();
  });

  it('is ready and healthy', async () => {
    const res = await fetch(`${apiUrl.replace(/\/api$/, '')}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('connects, subscribes, and delivers API and client publications to every subscriber', async () => {
    const clients = await Promise.all(['bun-a', 'bun-b'].map(async (user) => {
      const client = newClient(gateway.url, { token: await token(user) });
      client.connect();
      await client.ready(3000);
      return client;
    }));
    const subs = clients.map((c) => c.newSubscription('chat:bun'));
    const seen = subs.map((s) => collect(s));
    for (const sub of subs) sub.subscribe();
    await Promise.all(subs.map((s) => s.ready(3000)));
    await api('publish', { channel: 'chat:bun', data: { from: 'api' } });
    await subs[0]!.publish({ from: 'client' });
    await until(() => seen.every((s) => s.length === 2));
    for (const s of seen) expect(s).toEqual([{ from: 'api' }, { from: 'client' }]);

    const presence = await subs[1]!.presence();
    expect(Object.values(presence.clients).map((c) => c.user).sort()).toEqual(['bun-a', 'bun-b']);
    const history = await subs[0]!.history({ limit: 10 });
    expect(history.publications.map((p) => p.data)).toEqual([{ from: 'api' }, { from: 'client' }]);
    for (const client of clients) client.disconnect();
  });

  it('stops delivering to a client after it unsubscribes', async () => {
    const client = newClient(gateway.url, { token: await token('bun-c') });
    client.connect();
    const sub = client.newSubscription('news:bun-unsub');
    const seen = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    await api('publish', { channel: 'news:bun-unsub', data: 1 });
    await until(() => seen.length === 1);
    sub.unsubscribe();
    await api('publish', { channel: 'news:bun-unsub', data: 2 });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([1]);
    client.disconnect();
  });

  it('recovers publications missed during a reconnect', async () => {
    const client = newClient(gateway.url, { token: await token('bun-rec'), minReconnectDelay: 400, maxReconnectDelay: 600 });
    client.connect();
    const sub = client.newSubscription('news:bun-rec');
    const seen = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    await api('publish', { channel: 'news:bun-rec', data: 1 });
    await until(() => seen.length === 1);
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await api('disconnect', { user: 'bun-rec', disconnect: { code: 4000, reason: 'test reconnect' } });
    for (const i of [2, 3]) await api('publish', { channel: 'news:bun-rec', data: i });
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(true);
    await until(() => seen.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    client.disconnect();
  });

  it('refuses a disallowed origin with 403 before the upgrade and accepts an allowed one', async () => {
    expect(await upgradeStatus(gateway.url, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(gateway.url, 'http://localhost:3000')).toBe(101);
  });

  it('closes a subscriber that stops reading once its unsent bytes pass queue_max_size', async () => {
    const client = await RawClient.open(gateway.url);
    await client.connect(await token('bun-slow'));
    client.send({ id: 2, subscribe: { channel: 'news:bun-slow' } });
    await client.next((m) => m.id === 2);
    const tcp = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const big = 'x'.repeat(32_000);
    const disconnectLog = () => logLines().find((l) => l.event === 'disconnect' && l.user === 'bun-slow');
    // Bounded: the kernel's socket buffers fill first, then Bun's, then Bun closes the socket.
    for (let i = 0; i < 600 && !disconnectLog(); i++) await api('publish', { channel: 'news:bun-slow', data: { big } });
    tcp.resume();
    // Bun closes at its backpressure limit without a close frame: 1006, after which the SDK reconnects.
    expect((await client.closed).code).toBe(1006);
    await until(() => disconnectLog() !== undefined);
    expect(disconnectLog()).toMatchObject({ code: 1006 });
  });

  it.each(['http_stream', 'sse'] as const)('serves %s through the Request/Response bridge, beside WebSocket subscribers on native topics', async (transport) => {
    const base = apiUrl.replace(/\/api$/, '');
    const channel = `chat:bun-${transport}`;
    const ws = newClient(gateway.url, { token: await token(`bun-ws-${transport}`) });
    const http = newFallbackClient(base, [transport], { token: await token(`bun-${transport}`) });
    const subs = [ws, http].map((client) => {
      client.connect();
      return client.newSubscription(channel);
    });
    const seen = subs.map((sub) => collect(sub));
    for (const sub of subs) sub.subscribe();
    await Promise.all(subs.map((sub) => sub.ready(5000)));
    await api('publish', { channel, data: { n: 1 } });
    await subs[1]!.publish({ n: 2 });
    await until(() => seen.every((s) => s.length === 2), 5000, 'both publications on both transports');
    expect(seen).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 1 }, { n: 2 }]]);
    ws.disconnect();
    http.disconnect();
  });

  it('answers a bad API key with 401 and a JSON error body', async () => {
    const res = await fetch(`${apiUrl}/publish`, { method: 'POST', headers: { 'X-API-Key': 'wrong' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBeTypeOf('number');
  });

  it('drains on SIGTERM: each client is told 3001 once, and the process exits 0', async () => {
    const clients = await Promise.all(['bun-d1', 'bun-d2'].map(async (user) => {
      const client = newClient(gateway.url, { token: await token(user), minReconnectDelay: 5000 });
      client.connect();
      await client.ready(3000);
      return client;
    }));
    const reconnecting = clients.map((c) => once<{ code: number; reason: string }>(c, 'connecting'));
    gateway.child.kill('SIGTERM');
    for (const ctx of await Promise.all(reconnecting)) expect(ctx).toEqual({ code: 3001, reason: 'shutdown' });
    expect(await gateway.exited).toBe(0);
    for (const client of clients) client.disconnect();
    const drained = logLines().filter((l) => l.event === 'disconnect' && l.code === 3001);
    expect(drained.map((l) => l.user).sort()).toEqual(['bun-d1', 'bun-d2']);
  });
});
