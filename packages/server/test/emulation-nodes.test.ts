import { fileURLToPath } from 'node:url';
import type { Centrifuge, Subscription } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { follow, until } from './support/client.js';
import { newFallbackClient, transportList, type FallbackTransport } from './support/fallback.js';
import { baseTestConfig, callApi, deepMerge, TEST_SECRET, writeConfigFile, type TestGateway } from './support/gateway.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';
import { dropPrefix, redisUrl, startRedisGateway, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

const RUNS = { name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, presence: true, allow_subscribe_for_client: true, allow_presence_for_subscriber: true };

let url: string;
afterAll(() => stopRedis());
beforeAll(async () => {
  url = await redisUrl();
});

describe('emulation across two nodes on Redis, no sticky sessions', () => {
  const prefix = uniquePrefix('emulation');
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    const options = { url, prefix, presenceTtl: 1500, nodeHeartbeat: 300 };
    a = await startRedisGateway(options, { channel: { namespaces: [RUNS] } });
    b = await startRedisGateway(options, { channel: { namespaces: [RUNS] } });
    await until(async () => (await a.gateway.node.control.nodes()).length === 2, 3000, 'both nodes registered');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropPrefix(url, prefix);
  });

  it.each<FallbackTransport>(['http_stream', 'sse'])('%s: the stream on node A, every command sent to node B', async (transport) => {
    const user = `wrong-node-${transport}`;
    const client = newFallbackClient(a.gateway.baseUrl, transportList(a.gateway.baseUrl, [transport]), {
      token: await mintToken(TEST_SECRET, { user }),
      emulationEndpoint: `${b.gateway.baseUrl}/emulation`,
    });
    client.connect();
    const { sub, data } = await follow(client, `runs:${transport}-wrong-node`);
    expect(a.gateway.node.sessions.forUser(user)).toHaveLength(1);
    expect(b.gateway.node.sessions.forUser(user)).toHaveLength(0);
    await b.api('publish', { channel: `runs:${transport}-wrong-node`, data: { via: 'b' } });
    const presence = await sub.presence();
    expect(Object.values(presence.clients).map((c) => c.user)).toEqual([user]);
    await until(() => data.length >= 1, 3000, 'publication');
    expect(data[0]).toEqual({ via: 'b' });
    client.disconnect();
  });

  it('protobuf http_stream: the commands reach node A from node B as bytes (base64 on the control bus)', async () => {
    const user = 'wrong-node-protobuf';
    const client = new ProtobufCentrifuge(transportList(a.gateway.baseUrl, ['http_stream']), {
      token: await mintToken(TEST_SECRET, { user }),
      fetch: globalThis.fetch,
      readableStream: globalThis.ReadableStream,
      emulationEndpoint: `${b.gateway.baseUrl}/emulation`,
      timeout: 3000,
    });
    client.connect();
    const sub = client.newSubscription('runs:protobuf-wrong-node');
    const data: unknown[] = [];
    sub.on('publication', (ctx) => data.push(JSON.parse(new TextDecoder().decode(ctx.data as Uint8Array))));
    sub.subscribe();
    await sub.ready(3000);
    expect(a.gateway.node.sessions.forUser(user)).toHaveLength(1);
    await b.api('publish', { channel: 'runs:protobuf-wrong-node', data: { via: 'b', text: 'ü' } });
    const presence = await sub.presence();
    expect(Object.values(presence.clients).map((c) => c.user)).toEqual([user]);
    await until(() => data.length >= 1, 3000, 'publication');
    expect(data[0]).toEqual({ via: 'b', text: 'ü' });
    client.disconnect();
  });
});

const NODE_SCRIPT = fileURLToPath(new URL('./support/redis-node.mjs', import.meta.url));
const PUBLICATIONS = 60;

interface NodeProcess {
  process: GatewayProcess;
  port: number;
  apiUrl: string;
  alive: boolean;
}

interface Follower {
  client: Centrifuge;
  sub: Subscription;
  offsets: number[];
}

describe('two node processes behind a round-robin balancer, over http_stream', () => {
  const prefix = uniquePrefix('emulation-kill');
  const configFile = writeConfigFile(deepMerge(baseTestConfig, { channel: { namespaces: [RUNS] } }));
  const nodes: NodeProcess[] = [];
  const followers: Follower[] = [];
  let balancer: TcpForwarder;
  const live = () => nodes.filter((n) => n.alive);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const child = await spawnGateway([], { TEST_CONFIG_FILE: configFile, TEST_REDIS_URL: url, TEST_REDIS_PREFIX: prefix, TEST_PRESENCE_TTL: '1500', TEST_NODE_HEARTBEAT: '300' }, NODE_SCRIPT);
      const port = Number(new URL(child.url).port);
      nodes.push({ process: child, port, apiUrl: `http://127.0.0.1:${port}/api`, alive: true });
    }
    // Each TCP connection goes to the next node: the stream and the emulation requests of one
    // client land on different nodes as often as not.
    balancer = await TcpForwarder.start(() => live().map((n) => n.port));
    const base = `http://127.0.0.1:${balancer.port}`;
    for (let i = 0; i < 4; i++) {
      const client = newFallbackClient(base, ['http_stream'], { token: await mintToken(TEST_SECRET, { user: `rr-${i}` }) });
      const follower: Follower = { client, sub: client.newSubscription('runs:rr'), offsets: [] };
      follower.sub.on('publication', (ctx) => follower.offsets.push(ctx.offset!));
      client.connect();
      follower.sub.subscribe();
      await follower.sub.ready(5000);
      followers.push(follower);
    }
  }, 30_000);

  afterAll(async () => {
    for (const follower of followers) follower.client.disconnect();
    for (const node of live()) node.process.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.process.exited));
    await balancer?.close();
    await dropPrefix(url, prefix);
  });

  it('SIGKILL of a node mid-stream: its clients reconnect to the other and recover with no gap', async () => {
    const victim = nodes[0]!;
    // `info` lists the asked node first: the round robin gave it some of the streams.
    expect((await callApi(victim.apiUrl, 'info', {})).nodes[0].num_clients).toBeGreaterThan(0);
    for (let i = 1; i <= PUBLICATIONS; i++) {
      if (i === PUBLICATIONS / 3) {
        victim.alive = false;
        victim.process.child.kill('SIGKILL');
      }
      await callApi(live()[0]!.apiUrl, 'publish', { channel: 'runs:rr', data: { i } });
      await new Promise((r) => setTimeout(r, 10));
    }
    const expected = Array.from({ length: PUBLICATIONS }, (_, i) => i + 1);
    for (const follower of followers) {
      await until(() => follower.offsets.length >= PUBLICATIONS, 15_000, 'every publication');
      expect(follower.offsets).toEqual(expected);
    }
  }, 40_000);
});
