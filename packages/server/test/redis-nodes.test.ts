import { fileURLToPath } from 'node:url';
import type { Centrifuge, Subscription } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import { mintToken } from '../src/auth/mint.js';
import { baseTestConfig, callApi, deepMerge, TEST_SECRET, writeConfigFile } from './support/gateway.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';
import { dropPrefix, redisUrl, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

const NODE_SCRIPT = fileURLToPath(new URL('./support/redis-node.mjs', import.meta.url));
const PRESENCE_TTL = 1500;
const HEARTBEAT = 300;
const PUBLICATIONS = 120;

const configFile = writeConfigFile(deepMerge(baseTestConfig, {
  channel: {
    namespaces: [{ name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, presence: true, allow_subscribe_for_client: true }],
  },
}));

interface NodeProcess {
  process: GatewayProcess;
  port: number;
  apiUrl: string;
  uid: string;
  alive: boolean;
}

interface Follower {
  client: Centrifuge;
  sub: Subscription;
  offsets: number[];
  /** Client ids this client had, one per connection. */
  clientIds: string[];
  reconnects: number;
}

let url: string;
const prefix = uniquePrefix('nodes');
const nodes: NodeProcess[] = [];
let balancer: TcpForwarder;
const followers: Follower[] = [];
let killedAt = 0;

async function startNode(): Promise<NodeProcess> {
  const gateway = await spawnGateway([], {
    TEST_CONFIG_FILE: configFile,
    TEST_REDIS_URL: url,
    TEST_REDIS_PREFIX: prefix,
    TEST_PRESENCE_TTL: String(PRESENCE_TTL),
    TEST_NODE_HEARTBEAT: String(HEARTBEAT),
  }, NODE_SCRIPT);
  const port = Number(new URL(gateway.url).port);
  const uid = gateway.stderr.join('').match(/uid: (\S+)/)![1]!;
  return { process: gateway, port, apiUrl: `http://127.0.0.1:${port}/api`, uid, alive: true };
}

const live = () => nodes.filter((n) => n.alive);
const api = <T = any>(method: string, body: unknown) => callApi<T>(live()[0]!.apiUrl, method, body);

async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  url = await redisUrl();
  nodes.push(...(await Promise.all([0, 1, 2].map(() => startNode()))));
  balancer = await TcpForwarder.start(() => live().map((n) => n.port));
  for (let i = 0; i < 6; i++) {
    // Through the balancer: a reconnect lands on whichever node is alive, as behind a real one.
    const client = newClient(`ws://127.0.0.1:${balancer.port}/ws`, { token: await mintToken(TEST_SECRET, { user: `kill-${i}` }) });
    const follower: Follower = { client, sub: client.newSubscription('runs:kill'), offsets: [], clientIds: [], reconnects: 0 };
    client.on('connected', (ctx) => follower.clientIds.push(ctx.client));
    client.on('connecting', () => (follower.reconnects += 1));
    follower.sub.on('publication', (ctx) => follower.offsets.push(ctx.offset!));
    client.connect();
    follower.sub.subscribe();
    await follower.sub.ready(5000);
    follower.reconnects = 0;
    followers.push(follower);
  }
}, 30_000);

afterAll(async () => {
  for (const follower of followers) follower.client.disconnect();
  for (const node of live()) node.process.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.process.exited));
  await balancer?.close();
  await dropPrefix(url, prefix);
  await stopRedis();
});

describe('Redis engine, three node processes behind a load balancer', () => {
  it('spreads clients over the nodes, and every node lists all three in info and agrees on presence', async () => {
    const info = await pollUntil(() => callApi(nodes[1]!.apiUrl, 'info', {}), (r) => r.nodes.length === 3 && r.nodes.every((n: any) => n.num_clients === 2), 5000);
    expect(info.nodes.map((n: any) => n.uid).sort()).toEqual(nodes.map((n) => n.uid).sort());
    expect(info.nodes.map((n: any) => n.num_clients)).toEqual([2, 2, 2]);
    for (const node of nodes) {
      expect(await callApi(node.apiUrl, 'presence_stats', { channel: 'runs:kill' })).toEqual({ num_clients: 6, num_users: 6 });
    }
  });

  it('SIGKILL of a node while publishing: its clients reconnect elsewhere and miss nothing, duplicate nothing', async () => {
    const victim = nodes[1]!;
    const publisher = (async () => {
      for (let i = 1; i <= PUBLICATIONS; i++) {
        if (i === PUBLICATIONS / 4) {
          victim.alive = false;
          victim.process.child.kill('SIGKILL');
          killedAt = Date.now();
        }
        await api('publish', { channel: 'runs:kill', data: { i } });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await publisher;
    const expected = Array.from({ length: PUBLICATIONS }, (_, i) => i + 1);
    for (const follower of followers) {
      await until(() => follower.offsets.length >= PUBLICATIONS, 10_000, 'every publication');
      expect(follower.offsets).toEqual(expected);
    }
    expect(followers.filter((f) => f.reconnects > 0)).toHaveLength(2);
  }, 30_000);

  it("drops the killed node's presence entries within the presence ttl, and the node from info", async () => {
    const current = new Set(followers.map((f) => f.clientIds.at(-1)!));
    const expected = [...current].sort();
    // An entry outlives its node's last refresh by at most the ttl; 500 ms cover polling and clocks.
    const presence = await pollUntil(
      () => api('presence', { channel: 'runs:kill' }),
      (r) => JSON.stringify(Object.keys(r.presence).sort()) === JSON.stringify(expected),
      killedAt + PRESENCE_TTL + 500 - Date.now(),
    );
    expect(Object.keys(presence.presence).sort()).toEqual(expected);
    const info = await pollUntil(() => api('info', {}), (r) => r.nodes.length === 2, HEARTBEAT * 6);
    expect(info.nodes.map((n: any) => n.uid).sort()).toEqual(live().map((n) => n.uid).sort());
    const counted = await pollUntil(() => api('info', {}), (r) => r.nodes.reduce((sum: number, n: any) => sum + n.num_clients, 0) === 6, HEARTBEAT * 6);
    expect(counted.nodes.reduce((sum: number, n: any) => sum + n.num_clients, 0)).toBe(6);
  });
});
