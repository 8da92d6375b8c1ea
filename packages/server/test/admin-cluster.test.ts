import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import type { Centrifuge } from 'centrifuge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminExtension } from '../src/admin/index.js';
import { LocalControl } from '../src/broker/control.js';
import { createRedisEngine } from '../src/broker/redis.js';
import { createLogger } from '../src/log.js';
import { ADMIN_PASSWORD, ADMIN_SECRET, AdminHttp } from './support/admin.js';
import { newClient, once, until } from './support/client.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { RawClient } from './support/raw-client.js';
import { dropPrefix, redisUrl, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

const HEARTBEAT = 200;

interface ClusterNode extends TestGateway {
  baseUrl: string;
  /** The Redis engine's log lines (the control bus logs there). */
  engineLogs: Array<Record<string, any>>;
  /** How the admin pages tag this node's entries: both nodes run on this host, so the uid's start is added. */
  label: string;
}

let url: string;
const prefix = uniquePrefix('admin-cluster');
const started: ClusterNode[] = [];
const clients: Centrifuge[] = [];
let nodeA: ClusterNode;
let nodeB: ClusterNode;
let admin: AdminHttp;

/** An in-process node on the shared Redis with the admin extension mounted. */
async function startNode(redis = url): Promise<ClusterNode> {
  const engineLogs: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) engineLogs.push(JSON.parse(line));
      done();
    },
  });
  const engine = await createRedisEngine({ url: redis, prefix, nodeHeartbeat: HEARTBEAT }, createLogger('info', sink));
  const admin = createAdminExtension({ enabled: true, password: ADMIN_PASSWORD, secret: ADMIN_SECRET });
  const gw = await startGateway({}, undefined, { engine, extensions: [admin] });
  const { uid } = gw.gateway.node;
  const node = { ...gw, baseUrl: `http://${gw.gateway.host}:${gw.gateway.port}`, engineLogs, label: `${hostname()}#${uid.slice(0, 8)}` };
  started.push(node);
  return node;
}

async function connectTo(node: ClusterNode, user: string, channel?: string): Promise<Centrifuge> {
  const client = newClient(node.url, { token: await node.token(user) });
  clients.push(client);
  client.connect();
  await client.ready(3000);
  if (channel) {
    const sub = client.newSubscription(channel);
    sub.subscribe();
    await sub.ready(3000);
  }
  return client;
}

beforeAll(async () => {
  url = await redisUrl();
  nodeA = await startNode();
  nodeB = await startNode();
  await until(async () => (await nodeA.gateway.node.control.nodes()).length === 2, 3000, 'both nodes registered');
  admin = await AdminHttp.login(nodeA.baseUrl);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(started.map((node) => node.close()));
  await dropPrefix(url, prefix);
  await stopRedis();
});

describe('admin pages over two nodes sharing Redis', () => {
  it("lists both nodes' connections, tagged with their node, and sums a channel's subscribers", async () => {
    await connectTo(nodeA, 'alice', 'chat:room');
    await connectTo(nodeB, 'bob', 'chat:room');
    await connectTo(nodeB, 'alice');

    const { body } = await admin.get('connections');
    expect(body.connections.map((c: { user: string; node: string }) => `${c.user}@${c.node}`).sort()).toEqual([`alice@${nodeA.label}`, `alice@${nodeB.label}`, `bob@${nodeB.label}`].sort());
    expect(nodeA.label).not.toBe(nodeB.label);
    expect((await admin.get('connections?user=bob')).body.connections).toMatchObject([{ user: 'bob', node: nodeB.label, subscriptions: ['chat:room'] }]);

    expect((await admin.get('channels?q=chat:')).body.channels).toEqual([{ name: 'chat:room', subscribers: 2 }]);
    const room = (await admin.get('channel?name=chat:room')).body;
    expect(room.subscribers.map((s: { user: string; node: string }) => `${s.user}@${s.node}`).sort()).toEqual([`alice@${nodeA.label}`, `bob@${nodeB.label}`].sort());
    expect(room.presence.map((p: { user: string }) => p.user).sort()).toEqual(['alice', 'bob']);

    // The per-node counts come from the registry, which is up to one heartbeat old.
    await until(async () => (await admin.get('overview')).body.totals.connections === 3, 3000, 'registry caught up');
    const overview = (await admin.get('overview')).body;
    // alice is on both nodes: the per-node user counts add up to 3, the deployment has 2 users.
    expect(overview.totals).toMatchObject({ nodes: 2, connections: 3, users: 2 });
    expect(overview.nodes.reduce((sum: number, n: { users: number }) => sum + n.users, 0)).toBe(3);
  });

  it("shows a refused handshake on node B in node A's rejections", async () => {
    await expect(RawClient.open(nodeB.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const { rejections } = (await admin.get('rejections')).body;
    expect(rejections.find((r: { reason: string }) => r.reason === 'origin_not_allowed')).toMatchObject({ kind: 'handshake', code: 403, origin: 'https://evil.example', node: nodeB.label });
    expect(rejections[0].at).toBeGreaterThanOrEqual(rejections.at(-1).at);
  });

  it("disconnects a node-B client from node A's admin with the chosen code", async () => {
    const erin = await connectTo(nodeB, 'erin');
    const { connections } = (await admin.get('connections?user=erin')).body;
    expect(connections).toMatchObject([{ node: nodeB.label }]);
    const closed = once<{ code: number }>(erin, 'disconnected');
    const response = await admin.post('disconnect', { client: connections[0].client, user: 'erin', code: 4501 });
    expect(response.body).toEqual({ code: 4501, reason: 'disconnected by admin' });
    expect((await closed).code).toBe(4501);
  });
});

describe('control bus queries', () => {
  it('answers from this node alone on the local bus', async () => {
    const bus = new LocalControl();
    await bus.start({ uid: 'u1', apply: async () => undefined, info: () => ({ uid: 'u1', name: 'solo', version: '0', num_clients: 0, num_users: 0, num_channels: 0, num_subs: 0, uptime: 0 }) });
    bus.respond('echo', async (params) => params.text);
    expect(await bus.query('echo', { text: 'hi' }, 100)).toEqual({ answers: [{ uid: 'u1', name: 'solo', value: 'hi' }], missing: [] });
    await expect(bus.query('unknown', {}, 100)).rejects.toThrow(/no responder/);
  });

  it('ignores malformed control messages and replies, and forged reply topics, with a warning', async () => {
    const redis = new Redis(url);
    try {
      const control = `${prefix}control`;
      await redis.publish(control, 'not json');
      await redis.publish(`${control}:reply:${nodeA.gateway.node.uid}`, JSON.stringify({ id: 'x' }));
      const forged = { from: 'intruder', query: { id: 'q1', kind: 'admin.users', params: {}, replyTo: `${prefix}channel.chat:room` } };
      await redis.publish(control, JSON.stringify(forged));
      await until(() => nodeA.engineLogs.filter((line) => line.event === 'control_message_invalid').length >= 3, 3000, 'three warnings');
    } finally {
      redis.disconnect();
    }
    const result = await nodeA.gateway.node.control.query<string[]>('admin.users', {}, 1000);
    expect(result.answers.map((answer) => answer.uid).sort()).toEqual([nodeA.gateway.node.uid, nodeB.gateway.node.uid].sort());
    expect(result.missing).toEqual([]);
  });

  it('returns what it got by the timeout and names the node that did not answer', async () => {
    const forwarder = await TcpForwarder.start(() => [Number(new URL(url).port)]);
    const hung = await startNode(`redis://127.0.0.1:${forwarder.port}`);
    try {
      await until(async () => (await nodeA.gateway.node.control.nodes()).length === 3, 3000, 'third node registered');
      forwarder.pause();
      const result = await nodeA.gateway.node.control.query<string[]>('admin.users', {}, 300);
      expect(result.answers.map((answer) => answer.uid).sort()).toEqual([nodeA.gateway.node.uid, nodeB.gateway.node.uid].sort());
      expect(result.missing).toEqual([{ uid: hung.gateway.node.uid, name: hostname() }]);
      expect(nodeA.engineLogs.some((line) => line.event === 'control_query_incomplete' && line.missing.includes(hung.gateway.node.uid))).toBe(true);

      // Cut off from Redis, the node still answers its own part.
      forwarder.cut();
      const alone = await hung.gateway.node.control.query<string[]>('admin.users', {}, 300);
      expect(alone).toEqual({ answers: [{ uid: hung.gateway.node.uid, name: hostname(), value: [] }], missing: [] });
      expect(hung.engineLogs.some((line) => line.event === 'control_query_unsent')).toBe(true);
    } finally {
      forwarder.resume();
      await hung.close();
      started.splice(started.indexOf(hung), 1);
      await forwarder.close();
    }
  });

  it('lists a node that fails to answer as missing at once, without waiting for the timeout', async () => {
    const engine = await createRedisEngine({ url, prefix, nodeHeartbeat: HEARTBEAT }, createLogger('silent'));
    // No admin extension: this node has no responder for the admin queries and says so.
    const bare = await startGateway({}, undefined, { engine });
    try {
      const expected = [nodeA, nodeB, bare].map((node) => node.gateway.node.uid).sort();
      // The cut-off node of the test before leaves the registry only when its entry expires.
      await until(async () => JSON.stringify((await nodeA.gateway.node.control.nodes()).map((n) => n.uid).sort()) === JSON.stringify(expected), 3000, 'registry lists exactly A, B and the bare node');
      const result = await nodeA.gateway.node.control.query<string[]>('admin.users', {}, 60_000);
      expect(result.missing).toEqual([{ uid: bare.gateway.node.uid, name: hostname() }]);
      expect(nodeA.engineLogs.some((line) => line.event === 'control_query_failed' && line.node === bare.gateway.node.uid)).toBe(true);
    } finally {
      await bare.close();
    }
  });
});
