import type { SubscribedContext } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEngine } from '../src/broker/redis.js';
import { hashSlot, RedisKeys } from '../src/broker/redis-keys.js';
import { createLogger } from '../src/log.js';
import { follow, newClient, once, pollUntil, until } from './support/client.js';
import { baseTestConfig, callApi, writeConfigFile, type ConfigFile, type TestGateway } from './support/gateway.js';
import { spawnGateway } from './support/process.js';
import { RedisDeployment, uniquePrefix } from './support/redis.js';
import { RedisCluster } from './support/redis-servers.js';

const config: ConfigFile = {
  channel: {
    namespaces: [
      { name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, presence: true, join_leave: true, allow_subscribe_for_client: true },
    ],
  },
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let cluster: RedisCluster;
const prefix = uniquePrefix('cluster');
let deployment: RedisDeployment;
let nodes: TestGateway[] = [];
const connectTo = (node: TestGateway, user: string) => deployment.connect(node, user);

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
  deployment = await RedisDeployment.start(3, { url: cluster.url, prefix, nodeHeartbeat: 200 }, config);
  nodes = deployment.nodes;
});

afterAll(async () => {
  await deployment?.close();
  await cluster?.stop();
});

describe('Redis engine on a 3-master Redis Cluster, three gateway nodes', () => {
  it('keeps every key of a channel in one slot, and spreads channels over the masters', async () => {
    const keys = new RedisKeys(prefix);
    for (const channel of ['runs:a', 'runs:}odd', 'runs:{x}y']) {
      const slots = new Set([keys.stream(channel), keys.meta(channel), keys.topic(channel), keys.presence(channel).hash, keys.presence(channel).expiry, keys.result(channel, 'key}{x')].map(hashSlot));
      expect(slots.size).toBe(1);
    }
    const masters = new Set(await Promise.all(range(1, 12).map(async (i) => (await cluster.masterOf(hashSlot(keys.meta(`runs:spread-${i}`)))).port)));
    expect(masters.size).toBe(3);
  });

  it('refuses a cluster node given as a standalone address, naming the key to use', async () => {
    await expect(createRedisEngine({ url: cluster.seeds[0]!, prefix }, createLogger('silent'))).rejects.toThrow(/is a Redis Cluster node: list the cluster in engine\.redis\.cluster_address/);
  });

  it('fans publications of channels on every master out to subscribers on every node, in offset order', async () => {
    const channels = range(1, 6).map((i) => `runs:fan-${i}`);
    const followers = await Promise.all(nodes.flatMap((node, n) => channels.map(async (channel) => ({ channel, ...(await follow(await connectTo(node, `fan-${n}`), channel)) }))));
    for (const channel of channels) {
      for (let i = 1; i <= 10; i++) await nodes[i % 3]!.api('publish', { channel, data: { channel, i } });
    }
    for (const follower of followers) {
      await until(() => follower.offsets.length >= 10, 5000, `publications of ${follower.channel}`);
      expect(follower.offsets).toEqual(range(1, 10));
      expect(follower.data).toEqual(range(1, 10).map((i) => ({ channel: follower.channel, i })));
    }
    for (const channel of channels) {
      const history = await nodes[2]!.api('history', { channel, limit: -1 });
      expect(history.publications.map((p: { offset: number }) => p.offset)).toEqual(range(1, 10));
    }
  });

  it('publishes an idempotent publish retried on every node once, with history and without', async () => {
    for (const channel of range(1, 6).map((i) => `runs:once-${i}`)) {
      const body = { channel, data: { once: true }, idempotency_key: 'once' };
      const results = [];
      for (const node of nodes) results.push(await node.api('publish', body));
      expect(results).toEqual(nodes.map(() => ({ offset: 1, epoch: results[0].epoch })));
      expect((await nodes[0]!.api('history', { channel, limit: -1 })).publications).toHaveLength(1);
    }
    const unkept = await follow(await connectTo(nodes[2]!, 'once'), 'plain-once');
    for (const node of nodes) expect(await node.api('publish', { channel: 'plain-once', data: 'once', idempotency_key: 'once' })).toEqual({});
    await nodes[0]!.api('publish', { channel: 'plain-once', data: 'marker' });
    await until(() => unkept.data.includes('marker'), 5000, 'the marker');
    expect(unkept.data).toEqual(['once', 'marker']);
  });

  it('answers presence the same on every node and runs control commands on any node', async () => {
    const users = ['p-alice', 'p-bob', 'p-carol'];
    await Promise.all(users.map(async (user, i) => follow(await connectTo(nodes[i]!, user), 'runs:presence')));
    for (const node of nodes) {
      const stats = await pollUntil(() => node.api('presence_stats', { channel: 'runs:presence' }), (s) => s.num_clients === 3);
      expect(stats).toEqual({ num_clients: 3, num_users: 3 });
    }
    const onC = await connectTo(nodes[2]!, 'ctl-disconnect');
    const closed = once<{ code: number }>(onC, 'disconnected');
    await nodes[0]!.api('disconnect', { user: 'ctl-disconnect' });
    expect((await closed).code).toBe(3503);
    const info = await pollUntil(() => nodes[1]!.api('info', {}), (result) => result.nodes.length === 3);
    expect(info.nodes.map((n: { uid: string }) => n.uid).sort()).toEqual(nodes.map((n) => n.gateway.node.uid).sort());
  });

  it('recovers on node C what a client subscribed on node A missed while offline', async () => {
    const first = await connectTo(nodes[0]!, 'recover');
    const { sub, offsets } = await follow(first, 'runs:recover');
    for (let i = 1; i <= 3; i++) await nodes[1]!.api('publish', { channel: 'runs:recover', data: { i } });
    await until(() => offsets.length === 3);
    first.disconnect();
    for (let i = 4; i <= 7; i++) await nodes[1]!.api('publish', { channel: 'runs:recover', data: { i } });
    const again = newClient(nodes[2]!.url, { token: await nodes[2]!.token('recover') });
    deployment.clients.push(again);
    const resumed = again.newSubscription('runs:recover', { since: { offset: 3, epoch: (await nodes[0]!.api('history', { channel: 'runs:recover', limit: 0 })).epoch } });
    const recovered: number[] = [];
    resumed.on('publication', (ctx) => recovered.push(ctx.offset!));
    const subscribed = once<SubscribedContext>(resumed, 'subscribed');
    resumed.subscribe();
    again.connect();
    const ctx = await subscribed;
    expect(ctx.recovered).toBe(true);
    await until(() => recovered.length === 4);
    expect(recovered).toEqual([4, 5, 6, 7]);
    sub.unsubscribe();
  });

  it('links a `renum-realtime serve` process given REALTIME_ENGINE_REDIS_ADDRESS=redis+cluster://… to the other nodes', async () => {
    const file = writeConfigFile({ ...baseTestConfig, ...config, log: { level: 'warn' } });
    const served = await spawnGateway(['serve', '--config', file], { REALTIME_ENGINE_REDIS_ADDRESS: cluster.url, REALTIME_ENGINE_REDIS_PREFIX: prefix });
    try {
      const { offsets } = await follow(await connectTo(nodes[0]!, 'cli-cluster'), 'runs:cli');
      const published = await callApi(served.url.replace('ws://', 'http://').replace(/\/connection\/websocket$/, '/api'), 'publish', { channel: 'runs:cli', data: { via: 'cli' } });
      await until(() => offsets.length === 1, 5000, 'the publication made through the CLI node');
      expect(offsets).toEqual([published.offset]);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  it('keeps delivering, gap-free, while the slot of a channel migrates to another master', async () => {
    const channel = 'runs:migrating';
    const followers = await Promise.all(nodes.map(async (node, n) => follow(await connectTo(node, `mig-${n}`), channel)));
    const slot = hashSlot(new RedisKeys(prefix).meta(channel));
    const from = await cluster.masterOf(slot);
    const to = cluster.servers.find((s) => s !== from && s.running && cluster.servers.indexOf(s) < 3)!;
    let published = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        // During the move a publish may answer "temporarily unavailable"; the publisher retries.
        await nodes[published % 3]!.api('publish', { channel, data: { n: published + 1 } }).then(() => published++, () => undefined);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await until(() => published >= 20, 5000, 'publications before the move');
    await cluster.migrateSlot(slot, to);
    expect((await cluster.masterOf(slot)).port).toBe(to.port);
    const moved = published;
    await until(() => published >= moved + 20, 10_000, 'publications after the move');
    publishing = false;
    await publisher;
    for (const follower of followers) {
      await until(() => follower.offsets.length >= published, 10_000, `every publication on every node: ${published} published, got ${JSON.stringify(follower.offsets)}`);
      expect(follower.offsets).toEqual(range(1, published));
    }
    const history = await nodes[0]!.api('history', { channel, limit: -1 });
    expect(history.publications.map((p: { offset: number }) => p.offset)).toEqual(range(1, published));
  });
});
