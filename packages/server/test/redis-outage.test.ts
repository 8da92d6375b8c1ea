import type { Centrifuge, SubscribedContext, Subscription } from 'centrifuge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../src/broker/redis-keys.js';
import { newClient, once, until } from './support/client.js';
import type { ConfigFile, TestGateway } from './support/gateway.js';
import { dropPrefix, redisUrl, stopRedis, startRedisGateway, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

const config: ConfigFile = {
  channel: {
    namespaces: [{ name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true }],
  },
};

let url: string;
const prefix = uniquePrefix('outage');
/** Node A reaches Redis through a proxy the test cuts; node B goes straight to Redis and keeps publishing. */
let proxy: TcpForwarder;
let a: TestGateway;
let b: TestGateway;
let redis: Redis;
const clients: Centrifuge[] = [];

beforeAll(async () => {
  url = await redisUrl();
  redis = new Redis(url);
  proxy = await TcpForwarder.start(() => [Number(new URL(url).port)]);
  a = await startRedisGateway({ url: `redis://127.0.0.1:${proxy.port}`, prefix, commandTimeout: 500 }, config);
  b = await startRedisGateway({ url, prefix }, config);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([a.close(), b.close()]);
  await proxy.close();
  redis.disconnect();
  await dropPrefix(url, prefix);
  await stopRedis();
});

interface Follower {
  client: Centrifuge;
  sub: Subscription;
  offsets: number[];
  /** Every `subscribed` event after the first one. */
  resubscribed: SubscribedContext[];
  /** Connection state changes: stays empty while the client keeps its connection. */
  connectionEvents: string[];
}

async function followOnA(user: string, channel: string): Promise<Follower> {
  const client = newClient(a.url, { token: await a.token(user) });
  clients.push(client);
  client.connect();
  await client.ready(3000);
  const follower: Follower = { client, sub: client.newSubscription(channel), offsets: [], resubscribed: [], connectionEvents: [] };
  follower.sub.on('publication', (ctx) => follower.offsets.push(ctx.offset!));
  follower.sub.subscribe();
  await follower.sub.ready(3000);
  follower.sub.on('subscribed', (ctx) => follower.resubscribed.push(ctx));
  client.on('connecting', (ctx) => follower.connectionEvents.push(`connecting ${ctx.code}`));
  client.on('disconnected', (ctx) => follower.connectionEvents.push(`disconnected ${ctx.code}`));
  return follower;
}

async function publishFromB(channel: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await b.api('publish', { channel, data: { i } });
}

const metricsOf = async (gw: TestGateway) => (await fetch(gw.apiUrl.replace(/\/api$/, '/metrics'))).text();

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Redis outage seen by one node', () => {
  it('answers API publish with a temporary error, keeps clients, then recovers what they missed', async () => {
    const follower = await followOnA('outage-1', 'runs:cut');
    await publishFromB('runs:cut', 3);
    await until(() => follower.offsets.length === 3);

    proxy.cut();
    const started = performance.now();
    const failure = await a.api('publish', { channel: 'runs:cut', data: { lost: true } }).catch((error) => error);
    const elapsed = performance.now() - started;
    expect(failure.code).toBe(116);
    console.info(`publish during the outage answered 116 after ${elapsed.toFixed(0)} ms`);
    await publishFromB('runs:cut', 5);
    expect(follower.client.state).toBe('connected');
    await until(async () => /realtime_broker_up 0/.test(await metricsOf(a)), 5000, 'realtime_broker_up 0');

    const resubscribed = once<SubscribedContext>(follower.sub, 'subscribed', 10_000);
    proxy.restore();
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(true);
    await until(() => follower.offsets.length >= 8, 5000, 'recovered publications');
    expect(follower.offsets).toEqual(range(1, 8));

    const after = await a.api('publish', { channel: 'runs:cut', data: { after: true } });
    expect(after.offset).toBe(9);
    await until(() => follower.offsets.length === 9);
    expect(follower.offsets).toEqual(range(1, 9));
    expect(follower.connectionEvents).toEqual([]);
    await until(async () => /realtime_broker_up 1/.test(await metricsOf(a)), 5000, 'realtime_broker_up 1');
  });

  it('answers API publish with a temporary error while Redis hangs, and loses nothing once it answers again', async () => {
    const follower = await followOnA('outage-3', 'runs:hang');
    await publishFromB('runs:hang', 2);
    await until(() => follower.offsets.length === 2);

    proxy.pause();
    const failure = await a.api('publish', { channel: 'runs:hang', data: { late: true } }).catch((error) => error);
    expect(failure.code).toBe(116);
    await publishFromB('runs:hang', 3);
    proxy.resume();

    await a.api('publish', { channel: 'runs:hang', data: { after: true } });
    // The timed-out publish may still have been applied once Redis read it: count what history holds.
    const { offset: top } = await b.api('history', { channel: 'runs:hang', limit: 0 });
    expect(top).toBeGreaterThanOrEqual(6);
    await until(() => follower.offsets.length >= top, 5000, 'every publication');
    expect(follower.offsets).toEqual(range(1, top));
    expect(follower.connectionEvents).toEqual([]);
  });

  it('reconnects a client whose server-side subscription missed publications (3010), which then recovers them', async () => {
    const client = newClient(a.url, { token: await a.token('outage-4', { channels: ['runs:server-side'] }) });
    clients.push(client);
    const offsets: number[] = [];
    client.on('publication', (ctx) => offsets.push(ctx.offset!));
    const subscribed = once<SubscribedContext>(client, 'subscribed', 3000);
    client.connect();
    await subscribed;
    await publishFromB('runs:server-side', 2);
    await until(() => offsets.length === 2);

    proxy.cut();
    await publishFromB('runs:server-side', 3);
    const reconnecting = once<{ code: number }>(client, 'connecting', 10_000);
    const resubscribed = once<SubscribedContext>(client, 'subscribed', 10_000);
    proxy.restore();
    expect((await reconnecting).code).toBe(3010);
    expect((await resubscribed).recovered).toBe(true);
    await until(() => offsets.length >= 5, 5000, 'recovered publications');
    expect(offsets).toEqual(range(1, 5));
  });

  it('tells clients recovered: false with the new epoch when history was lost during the outage', async () => {
    const follower = await followOnA('outage-2', 'runs:lost');
    await publishFromB('runs:lost', 2);
    await until(() => follower.offsets.length === 2);
    const before = await b.api('history', { channel: 'runs:lost', limit: 0 });

    proxy.cut();
    const keys = new RedisKeys(prefix);
    await redis.del(keys.meta('runs:lost'), keys.stream('runs:lost'));
    await publishFromB('runs:lost', 1);

    const resubscribed = once<SubscribedContext>(follower.sub, 'subscribed', 10_000);
    proxy.restore();
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(false);
    expect(ctx.streamPosition?.epoch).not.toBe(before.epoch);
    expect(ctx.streamPosition?.offset).toBe(1);
    expect(follower.connectionEvents).toEqual([]);
  });
});
