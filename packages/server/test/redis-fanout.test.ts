import type { Centrifuge } from 'centrifuge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, pollUntil, until } from './support/client.js';
import type { ConfigFile, TestGateway } from './support/gateway.js';
import { dropPrefix, redisUrl, stopRedis, startRedisGateway, uniquePrefix } from './support/redis.js';

const config: ConfigFile = {
  channel: {
    namespaces: [
      { name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, presence: true, allow_subscribe_for_client: true },
    ],
  },
};

let url: string;
const prefix = uniquePrefix('fanout');
let nodes: TestGateway[] = [];
const clients: Centrifuge[] = [];

beforeAll(async () => {
  url = await redisUrl();
  nodes = await Promise.all([0, 1, 2].map(() => startRedisGateway({ url, prefix, nodeHeartbeat: 200 }, config)));
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(nodes.map((node) => node.close()));
  await dropPrefix(url, prefix);
  await stopRedis();
});

async function connectTo(node: TestGateway, user: string): Promise<Centrifuge> {
  const client = newClient(node.url, { token: await node.token(user) });
  clients.push(client);
  client.connect();
  await client.ready(3000);
  return client;
}

/** Subscribes and records every publication's offset and data, in arrival order. */

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Redis engine, three in-process nodes', () => {
  it('delivers a publication made through node A to subscribers on A, B and C once each, in offset order', async () => {
    const followers = await Promise.all(nodes.map(async (node, i) => follow(await connectTo(node, `fan-${i}`), 'runs:fan')));
    for (let i = 1; i <= 20; i++) await nodes[0]!.api('publish', { channel: 'runs:fan', data: { i } });
    for (const follower of followers) {
      await until(() => follower.offsets.length >= 20, 5000, 'all publications');
      expect(follower.offsets).toEqual(range(1, 20));
      expect(follower.data).toEqual(range(1, 20).map((i) => ({ i })));
    }
    const history = await nodes[2]!.api('history', { channel: 'runs:fan', limit: -1 });
    expect(history.publications.map((p: { offset: number }) => p.offset)).toEqual(range(1, 20));
    expect(history.offset).toBe(20);
  });

  it('gives gap-free, duplicate-free offsets to three nodes publishing at once', async () => {
    const followers = await Promise.all(nodes.map(async (node, i) => follow(await connectTo(node, `race-${i}`), 'runs:race')));
    const perNode = 30;
    const results = await Promise.all(nodes.map((node, n) =>
      Promise.all(range(1, perNode).map((i) => node.api<{ offset: number; epoch: string }>('publish', { channel: 'runs:race', data: { n, i } })))));
    const offsets = results.flat().map((r) => r.offset).sort((a, b) => a - b);
    expect(offsets).toEqual(range(1, 3 * perNode));
    expect(new Set(results.flat().map((r) => r.epoch)).size).toBe(1);
    for (const follower of followers) {
      await until(() => follower.offsets.length >= 3 * perNode, 5000, 'all publications');
      expect(follower.offsets).toEqual(range(1, 3 * perNode));
    }
  });

  it('answers presence and presence_stats the same on every node', async () => {
    const users = ['p-alice', 'p-alice', 'p-bob', 'p-carol'];
    const subs = await Promise.all(users.map(async (user, i) => follow(await connectTo(nodes[i % 3]!, user), 'runs:presence')));
    for (const node of nodes) {
      const presence = await node.api('presence', { channel: 'runs:presence' });
      expect(Object.values(presence.presence).map((p: any) => p.user).sort()).toEqual([...users].sort());
      expect(await node.api('presence_stats', { channel: 'runs:presence' })).toEqual({ num_clients: 4, num_users: 3 });
    }
    subs[2]!.sub.unsubscribe();
    for (const node of nodes) {
      const stats = await pollUntil(() => node.api('presence_stats', { channel: 'runs:presence' }), (s) => s.num_clients === 3);
      expect(stats).toEqual({ num_clients: 3, num_users: 2 });
    }
  });

  it('runs disconnect, unsubscribe, subscribe and refresh on connections of any node', async () => {
    const onC = await connectTo(nodes[2]!, 'ctl-disconnect');
    const closed = once<{ code: number }>(onC, 'disconnected');
    await nodes[0]!.api('disconnect', { user: 'ctl-disconnect' });
    expect((await closed).code).toBe(3503);

    const onA = await connectTo(nodes[0]!, 'ctl-unsub');
    const { sub } = await follow(onA, 'runs:ctl');
    const unsubscribed = once<{ code: number }>(sub, 'unsubscribed');
    await nodes[1]!.api('unsubscribe', { user: 'ctl-unsub', channel: 'runs:ctl' });
    expect((await unsubscribed).code).toBe(2000);

    const onB = await connectTo(nodes[1]!, 'ctl-sub');
    const serverSub = once<{ channel: string }>(onB, 'subscribed');
    await nodes[2]!.api('subscribe', { user: 'ctl-sub', channel: 'runs:server-side' });
    expect((await serverSub).channel).toBe('runs:server-side');

    const onB2 = await connectTo(nodes[1]!, 'ctl-refresh');
    const reconnecting = once<{ code: number }>(onB2, 'connecting', 5000);
    await nodes[0]!.api('refresh', { user: 'ctl-refresh', expired: true });
    expect((await reconnecting).code).toBe(3005);
  });

  it('ignores malformed control messages and keeps serving', async () => {
    const client = await connectTo(nodes[0]!, 'ctl-garbage');
    const redis = new Redis(url);
    for (const message of ['not json', '{"from":"x"}', '{"from":"x","command":{"method":"disconnect","request":{"user":5}}}', '{"from":"x","command":{"method":"publish","request":{"channel":"runs:x","data":1}}}',
      `{"from":"x","query":{"id":"q","kind":"control.command","params":{"method":"publish","request":{"channel":"runs:x","data":1}},"replyTo":"${prefix}control:reply:x"}}`]) {
      await redis.publish(`${prefix}control`, message);
    }
    redis.disconnect();
    await nodes[1]!.api('disconnect', { user: 'ctl-garbage', disconnect: { code: 4001, reason: 'still works' } });
    await until(() => client.state !== 'connected', 5000, 'disconnect through the bus');
    expect((await nodes[2]!.api('history', { channel: 'runs:x', limit: 0 })).offset).toBe(0);
  });

  it('lists every live node with its client counts in info, asked from any node', async () => {
    const expected = () => nodes.map((node) => ({ uid: node.gateway.node.uid, num_clients: node.gateway.node.sessions.size }));
    for (const node of nodes) {
      const info = await pollUntil(() => node.api('info', {}), (result) => sameNodes(result.nodes, expected()));
      expect(info.nodes).toHaveLength(3);
      expect(info.nodes[0].uid).toBe(node.gateway.node.uid);
    }
  });
});

function sameNodes(actual: Array<{ uid: string; num_clients: number }>, expected: Array<{ uid: string; num_clients: number }>): boolean {
  const key = (list: Array<{ uid: string; num_clients: number }>) => list.map((n) => `${n.uid}:${n.num_clients}`).sort().join(',');
  return key(actual) === key(expected);
}
