import { disconnectedCodes } from 'centrifuge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type TestGateway } from '../../server/test/support/gateway.js';
import { until } from '../../server/test/support/client.js';
import { RealtimeClient, type GetToken } from '../src/core/client.js';

/** A `ws` WebSocket that counts how many sockets the client opened. */
function countingWebSocket() {
  const counter = { opened: 0 };
  class Counting extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      counter.opened++;
    }
  }
  return { Counting, counter };
}

let gw: TestGateway;
const clients: RealtimeClient[] = [];

beforeEach(async () => {
  gw = await startGateway();
});

afterEach(async () => {
  for (const client of clients.splice(0)) {
    client.release();
  }
  await gw.close();
});

function newRealtimeClient(getToken: GetToken) {
  const { Counting, counter } = countingWebSocket();
  const client = new RealtimeClient(gw.url, () => getToken, { websocket: Counting, minReconnectDelay: 50, maxReconnectDelay: 300, timeout: 3000 });
  clients.push(client);
  return { client, counter };
}

async function serverSubscribers(channel: string): Promise<number> {
  const { channels } = await gw.api<{ channels: Record<string, { num_clients: number }> }>('channels', {});
  return channels[channel]?.num_clients ?? 0;
}

describe('RealtimeClient (React-free core) against the real gateway', () => {
  it('opens one socket for retain → release → retain in the same task (StrictMode remount)', async () => {
    let tokenCalls = 0;
    const { client, counter } = newRealtimeClient(() => {
      tokenCalls++;
      return gw.token('alice');
    });
    client.retain();
    client.release();
    client.retain();
    await until(() => client.connection.get().status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 200));
    expect(counter.opened).toBe(1);
    // The remount did not even start a second connect attempt.
    expect(tokenCalls).toBe(1);
    const info = await gw.api<{ nodes: Array<{ num_clients: number }> }>('info', {});
    expect(info.nodes[0]!.num_clients).toBe(1);
  });

  it('shares one subscription per channel and unsubscribes after the last user leaves', async () => {
    const { client } = newRealtimeClient(() => gw.token('alice'));
    client.retain();
    const a = client.channels.acquire('news:1', { recover: true });
    const b = client.channels.acquire('news:1');
    expect(a).toBe(b);
    const seenByA: unknown[] = [];
    a.listeners.add({ onPublication: (ctx) => seenByA.push(ctx.data) });
    await until(() => a.snapshot.get().status === 'subscribed', 5000, 'subscribed');
    expect(a.snapshot.get()).toMatchObject({ recovered: false, generation: 1 });
    expect(await serverSubscribers('news:1')).toBe(1);
    await gw.api('publish', { channel: 'news:1', data: { n: 1 } });
    await until(() => seenByA.length === 1, 5000, 'publication');

    client.channels.release('news:1');
    await new Promise((r) => setTimeout(r, 50));
    expect(await serverSubscribers('news:1')).toBe(1);
    client.channels.release('news:1');
    await until(() => client.channels.size === 0, 5000, 'entry removed');
    await until(() => a.snapshot.get().status === 'unsubscribed', 5000, 'unsubscribed');
    expect(await serverSubscribers('news:1')).toBe(0);
  });

  it('recovers missed publications across a reconnect (recovered: true), same stream position', async () => {
    const { client } = newRealtimeClient(() => gw.token('alice'));
    client.retain();
    const entry = client.channels.acquire('news:2', { recover: true });
    const seen: unknown[] = [];
    entry.listeners.add({ onPublication: (ctx) => seen.push(ctx.data) });
    await until(() => entry.snapshot.get().status === 'subscribed', 5000, 'subscribed');
    await gw.api('publish', { channel: 'news:2', data: 1 });
    await until(() => seen.length === 1);
    // 3011 force reconnect: the SDK reconnects and resubscribes from its last offset.
    await gw.api('disconnect', { user: 'alice', disconnect: { code: 3011, reason: 'force reconnect' } });
    await until(() => client.connection.get().status === 'connecting', 5000, 'connecting');
    await gw.api('publish', { channel: 'news:2', data: 2 });
    await gw.api('publish', { channel: 'news:2', data: 3 });
    await until(() => entry.snapshot.get().generation === 2, 5000, 'resubscribed');
    await until(() => seen.length === 3, 5000, 'recovered publications');
    expect(seen).toEqual([1, 2, 3]);
    expect(entry.snapshot.get().recovered).toBe(true);
    const last = client.connection.get().lastDisconnect!;
    expect(last).toMatchObject({ code: 3011, willReconnect: true });
    expect(last.words).toContain('asked this page to reconnect');
  });

  it('stops for good on a terminal close and says why, without reconnecting on the next retain', async () => {
    const { client, counter } = newRealtimeClient(() => gw.token('mallory'));
    client.retain();
    await until(() => client.connection.get().status === 'connected', 5000, 'connected');
    await gw.api('disconnect', { user: 'mallory', disconnect: { code: 3503, reason: 'access revoked' } });
    await until(() => client.connection.get().status === 'disconnected', 5000, 'disconnected');
    expect(client.connection.get().lastDisconnect).toMatchObject({ code: 3503, reason: 'access revoked', willReconnect: false });
    client.release();
    client.retain();
    await new Promise((r) => setTimeout(r, 300));
    expect(counter.opened).toBe(1);
    expect(client.connection.get().status).toBe('disconnected');
  });

  it('treats a refused token (getToken → null) as unauthorized: no socket, no retries', async () => {
    let calls = 0;
    const { client, counter } = newRealtimeClient(async () => {
      calls++;
      return null;
    });
    client.retain();
    await until(() => client.connection.get().status === 'disconnected' && client.connection.get().lastDisconnect !== null, 5000, 'refused');
    await new Promise((r) => setTimeout(r, 300));
    expect(client.connection.get().lastDisconnect).toMatchObject({ code: disconnectedCodes.unauthorized, willReconnect: false });
    expect(counter.opened).toBe(0);
    expect(calls).toBe(1);
  });

  it('counts reconnect attempts and schedules the next one while the gateway refuses sockets', async () => {
    const { client } = newRealtimeClient(() => gw.token('alice'));
    client.retain();
    await until(() => client.connection.get().status === 'connected', 5000, 'connected');
    await gw.close();
    await until(() => client.connection.get().attempt >= 2, 5000, 'two attempts');
    const snapshot = client.connection.get();
    expect(snapshot.status).toBe('connecting');
    expect(snapshot.nextAttemptAt).toBeGreaterThan(Date.now() - 1000);
    expect(snapshot.lastDisconnect?.willReconnect).toBe(true);
    gw = await startGateway();
  });
});
