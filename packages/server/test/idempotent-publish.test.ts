import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../src/api/schemas.js';
import type { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { collect, newClient, until } from './support/client.js';
import { baseTestConfig, deepMerge, startGateway, TEST_API_KEY, writeConfigFile, type ConfigFile, type TestGateway } from './support/gateway.js';
import { dropPrefix, RedisDeployment, redisUrl, startRedisGateway, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

/** `news:*` keeps history (support/gateway.ts); channels without a namespace keep none. */
const SHORT_WINDOW: ConfigFile = { engine: { idempotent_result_ttl: '300ms' } };

let channels = 0;
const fresh = (name: string) => `${name}-${++channels}`;

interface Engine {
  /** Where publishes and their retries go: two nodes on Redis, the one node twice in memory. */
  publishers: [TestGateway, TestGateway];
  /** A node whose window is SHORT_WINDOW. */
  shortWindow: TestGateway;
  subscriberNode: TestGateway;
}

const opened: Centrifuge[] = [];

async function subscribe(node: TestGateway, channel: string): Promise<unknown[]> {
  const client = newClient(node.url, { token: await node.token('watcher') });
  opened.push(client);
  client.connect();
  const sub = client.newSubscription(channel);
  const seen = collect(sub);
  sub.subscribe();
  await sub.ready(3000);
  return seen;
}

/** What the subscriber received once a marker published after `published` arrived: nothing is still on its way. */
async function deliveredBefore(node: TestGateway, channel: string, seen: unknown[]): Promise<unknown[]> {
  await node.api('publish', { channel, data: { marker: true } });
  await until(() => seen.some((data) => (data as { marker?: boolean }).marker), 5000, 'the marker');
  return seen.filter((data) => !(data as { marker?: boolean }).marker);
}

function idempotencySuite(engine: () => Engine): void {
  it('publishes three retries with one key once and returns the same offset and epoch each time', async () => {
    const { publishers: [a, b], subscriberNode } = engine();
    const channel = fresh('news:retried');
    const seen = await subscribe(subscriberNode, channel);
    const body = { channel, data: { order: 42 }, idempotency_key: 'order-42' };
    const results = [await a.api('publish', body), await b.api('publish', body), await a.api('publish', body)];
    expect(results[0]).toEqual({ offset: 1, epoch: expect.any(String) });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const history = await b.api('history', { channel, limit: -1 });
    expect(history.publications.map((p: { data: unknown }) => p.data)).toEqual([{ order: 42 }]);
    expect(await deliveredBefore(a, channel, seen)).toEqual([{ order: 42 }]);
  });

  it('publishes concurrent duplicates from both nodes once', async () => {
    const { publishers: [a, b] } = engine();
    const channel = fresh('news:racing');
    const body = { channel, data: { race: true }, idempotency_key: 'race' };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).api('publish', body)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect((await a.api('history', { channel, limit: -1 })).publications).toHaveLength(1);
  });

  it('keys per channel: the same key on another channel publishes there', async () => {
    const { publishers: [a, b] } = engine();
    const first = fresh('news:first');
    const second = fresh('news:second');
    const one = await a.api('publish', { channel: first, data: 1, idempotency_key: 'shared' });
    const other = await b.api('publish', { channel: second, data: 2, idempotency_key: 'shared' });
    expect(other.offset).toBe(1);
    expect(other.epoch).not.toBe(one.epoch);
    expect((await b.api('history', { channel: second, limit: -1 })).publications.map((p: { data: unknown }) => p.data)).toEqual([2]);
    // A key without a retry publishes each time: different keys are different publications.
    const next = await a.api('publish', { channel: first, data: 3, idempotency_key: 'another' });
    expect(next.offset).toBe(2);
  });

  it('publishes a retry once on a channel without history, answering {} each time', async () => {
    const { publishers: [a, b], subscriberNode } = engine();
    const channel = fresh('plain');
    const seen = await subscribe(subscriberNode, channel);
    const body = { channel, data: { once: true }, idempotency_key: 'no-history' };
    expect([await a.api('publish', body), await b.api('publish', body), await a.api('publish', body)]).toEqual([{}, {}, {}]);
    expect(await deliveredBefore(b, channel, seen)).toEqual([{ once: true }]);
  });

  it('broadcast keys each channel: a retried broadcast publishes nothing again and answers the same', async () => {
    const { publishers: [a, b], subscriberNode } = engine();
    const kept = fresh('news:broadcast');
    const unkept = fresh('plain-broadcast');
    const seen = await subscribe(subscriberNode, unkept);
    const body = { channels: [kept, unkept], data: { all: true }, idempotency_key: 'broadcast-1' };
    const first = await a.api('broadcast', body);
    expect(first.responses).toEqual([{ result: { offset: 1, epoch: expect.any(String) } }, { result: {} }]);
    expect(await b.api('broadcast', body)).toEqual(first);
    expect((await a.api('history', { channel: kept, limit: -1 })).publications).toHaveLength(1);
    expect(await deliveredBefore(a, unkept, seen)).toEqual([{ all: true }]);
  });

  it('publishes the key again once its window is over', async () => {
    const { shortWindow } = engine();
    const channel = fresh('news:window');
    const body = { channel, data: { again: true }, idempotency_key: 'window' };
    const first = await shortWindow.api('publish', body);
    // Every retry within the window answers the first result; the first one after it publishes.
    let latest = first;
    await until(async () => (latest = await shortWindow.api('publish', body)).offset !== first.offset, 5000, 'the window to end');
    expect(latest).toEqual({ offset: 2, epoch: first.epoch });
    expect((await shortWindow.api('history', { channel, limit: -1 })).publications).toHaveLength(2);
  });

  it('refuses an oversized key with 107 (400 in transport error mode) and publishes nothing', async () => {
    const { publishers: [a] } = engine();
    const channel = fresh('news:oversized');
    const body = { channel, data: 1, idempotency_key: 'k'.repeat(IDEMPOTENCY_KEY_MAX_LENGTH + 1) };
    const failure = await a.api('publish', body).catch((error) => error);
    expect(failure.code).toBe(107);
    expect(failure.message).toContain(`idempotency_key is longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
    const response = await fetch(`${a.apiUrl}/broadcast`, {
      method: 'POST',
      headers: { 'X-API-Key': TEST_API_KEY, 'X-Centrifugo-Error-Mode': 'transport' },
      body: JSON.stringify({ ...body, channels: [channel] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: number }).code).toBe(107);
    expect((await a.api('history', { channel, limit: 0 })).offset).toBe(0);
    expect(await a.api('publish', { ...body, idempotency_key: 'k'.repeat(IDEMPOTENCY_KEY_MAX_LENGTH) })).toMatchObject({ offset: 1 });
  });
}

afterAll(() => {
  for (const client of opened) client.disconnect();
});

describe('engine.idempotent_result_ttl', () => {
  const load = (overrides: ConfigFile, environ: Record<string, string> = {}) => loadConfig({ file: writeConfigFile(deepMerge(baseTestConfig, overrides)), environ });

  it('is 5 minutes unless set, in the file or as REALTIME_ENGINE_IDEMPOTENT_RESULT_TTL', () => {
    expect(load({}).engine.idempotent_result_ttl).toBe(300_000);
    expect(load(SHORT_WINDOW).engine.idempotent_result_ttl).toBe(300);
    expect(load({}, { REALTIME_ENGINE_IDEMPOTENT_RESULT_TTL: '2s' }).engine.idempotent_result_ttl).toBe(2000);
  });

  it('refuses a window of 0, saying why', () => {
    let problems: readonly string[] = [];
    try {
      load({ engine: { idempotent_result_ttl: '0s' } });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(['engine.idempotent_result_ttl: must be more than 0: without a window, a retry with its idempotency_key would publish again']);
  });
});

describe('idempotent publish, memory engine', () => {
  let node: TestGateway;
  let shortWindow: TestGateway;
  beforeAll(async () => {
    [node, shortWindow] = await Promise.all([startGateway(), startGateway(SHORT_WINDOW)]);
  });
  afterAll(async () => {
    await Promise.all([node.close(), shortWindow.close()]);
  });
  idempotencySuite(() => ({ publishers: [node, node], shortWindow, subscriberNode: node }));
});

describe('idempotent publish, Redis engine with two nodes', () => {
  let url: string;
  const prefix = uniquePrefix('idempotent');
  let deployment: RedisDeployment;
  let shortWindow: RedisDeployment;
  let proxy: TcpForwarder;
  /** Reaches Redis through the proxy, with a short command timeout. */
  let behindProxy: TestGateway;

  beforeAll(async () => {
    url = await redisUrl();
    proxy = await TcpForwarder.start(() => [Number(new URL(url).port)]);
    [deployment, shortWindow, behindProxy] = await Promise.all([
      RedisDeployment.start(2, { url, prefix }, {}),
      RedisDeployment.start(1, { url, prefix }, SHORT_WINDOW),
      startRedisGateway({ url: `redis://127.0.0.1:${proxy.port}`, prefix, commandTimeout: 300 }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([deployment.close(), shortWindow.close(), behindProxy.close()]);
    await proxy.close();
    await dropPrefix(url, prefix);
    await stopRedis();
  });

  idempotencySuite(() => ({ publishers: [deployment.nodes[0]!, deployment.nodes[1]!], shortWindow: shortWindow.nodes[0]!, subscriberNode: deployment.nodes[1]! }));

  it('a publish that answered 116 and was applied once Redis answered is found by its retry: one publication', async () => {
    const [a] = deployment.nodes;
    const channel = fresh('news:timed-out');
    // The publish script is loaded on this connection before Redis hangs.
    await behindProxy.api('publish', { channel: fresh('news:warm-up'), data: 0 });
    const body = { channel, data: { charge: 7 }, idempotency_key: 'charge-7' };

    proxy.pause();
    const failure = await behindProxy.api('publish', body).catch((error) => error);
    proxy.resume();
    expect(failure.code).toBe(116);
    // The script was already on its way: Redis runs it once it reads it.
    await until(async () => (await a!.api('history', { channel, limit: 0 })).offset === 1, 5000, 'the late publication');
    const applied = await a!.api('history', { channel, limit: -1 });

    const retried = await behindProxy.api('publish', body);
    expect(retried).toEqual({ offset: applied.offset, epoch: applied.epoch });
    expect(await a!.api('publish', body)).toEqual(retried);
    const history = await a!.api('history', { channel, limit: -1 });
    expect(history.publications.map((p: { data: unknown }) => p.data)).toEqual([{ charge: 7 }]);
  });
});
