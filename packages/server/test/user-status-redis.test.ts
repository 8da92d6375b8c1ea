import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import type { TestGateway } from './support/gateway.js';
import { startConfiguredGateway } from './support/lifecycle.js';
import { dropPrefix, redisUrl, stopRedis, uniquePrefix } from './support/redis.js';
import { newWebhookSecret, WebhookReceiver } from './support/webhook-receiver.js';
import { RedisUserStatus } from '../src/status/redis.js';
import { createLogger } from '../src/log.js';

const GRACE_MS = 1500;
const prefix = uniquePrefix('status');
const secret = newWebhookSecret();
let url: string;
let receiver: WebhookReceiver;
let nodeA: TestGateway;
let nodeB: TestGateway;
const clients: Centrifuge[] = [];

beforeAll(async () => {
  url = await redisUrl();
  receiver = await WebhookReceiver.start(secret);
  const config = {
    engine: { type: 'redis', redis: { address: url, prefix } },
    user_status: { offline_grace: `${GRACE_MS}ms` },
    webhooks: { enabled: true, url: receiver.url, secret, events: ['user.online', 'user.offline'], retry_initial_interval: '50ms' },
  };
  // Each node has its own data_dir, so its own SQLite outbox, as two hosts would.
  nodeA = await startConfiguredGateway(config);
  nodeB = await startConfiguredGateway(config);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([nodeA?.close(), nodeB?.close()]);
  await receiver?.close();
  await dropPrefix(url, prefix);
  await stopRedis();
});

async function tab(node: TestGateway, user: string): Promise<Centrifuge> {
  const client = newClient(node.url, { token: await node.token(user) });
  clients.push(client);
  client.connect();
  await client.ready(3000);
  return client;
}

const statusOf = async (node: TestGateway, user: string) => (await node.api('user_status', { user })).users[0];
const transitions = (user: string) => receiver.eventsOf(user).map((e) => e.type);

describe('user status across two nodes on Redis', () => {
  it('reports one online for the first connection anywhere and one offline after the last, past the grace period', async () => {
    const first = await tab(nodeA, 'alice');
    await until(() => transitions('alice').length === 1, 5000, 'online webhook');
    const second = await tab(nodeB, 'alice');
    await until(async () => (await statusOf(nodeA, 'alice')).connections === 2, 3000, 'two connections seen from node A');
    expect(await statusOf(nodeB, 'alice')).toMatchObject({ user: 'alice', online: true, connections: 2 });

    first.disconnect();
    await until(async () => (await statusOf(nodeB, 'alice')).connections === 1, 3000, 'one connection left');
    second.disconnect();
    const gone = Date.now();
    await until(() => transitions('alice').length === 2, GRACE_MS + 5000, 'offline webhook');
    expect(Date.now() - gone).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(transitions('alice')).toEqual(['user.online', 'user.offline']);
    const status = await statusOf(nodeA, 'alice');
    expect(status).toMatchObject({ online: false, connections: 0, online_since: null });
    expect(Date.parse(status.last_seen)).toBeGreaterThanOrEqual(gone - 1000);
  });

  it('sends no offline when a tab reloads on the other node inside the grace period', async () => {
    const before = await tab(nodeA, 'bob');
    await until(() => transitions('bob').length === 1, 5000, 'online webhook');
    before.disconnect();
    // The reload: the page comes back and connects again, this time through node B.
    const after = await tab(nodeB, 'bob');
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(transitions('bob')).toEqual(['user.online']);
    expect(await statusOf(nodeA, 'bob')).toMatchObject({ online: true, connections: 1 });

    const snapshot = await nodeA.api('user_status_snapshot', {});
    expect(snapshot.users.map((u: { user: string }) => u.user)).toContain('bob');
    expect(snapshot.users.find((u: { user: string }) => u.user === 'bob')).toMatchObject({ connections: 1, online_since: expect.any(String) });
    after.disconnect();
    await until(() => transitions('bob').length === 2, GRACE_MS + 5000, 'offline webhook');
    expect(transitions('bob')).toEqual(['user.online', 'user.offline']);
  });

  it('pages the snapshot by user id', async () => {
    const users = ['snap-a', 'snap-b', 'snap-c'];
    for (const user of users) await tab(user === 'snap-b' ? nodeB : nodeA, user);
    await until(async () => (await nodeA.api('user_status', { users })).users.every((u: { online: boolean }) => u.online), 3000, 'all online');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await nodeB.api('user_status_snapshot', { limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.users.map((u: { user: string }) => u.user));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.filter((u) => u.startsWith('snap-'))).toEqual(users);
  });

  it('takes a killed node\'s connections offline once its lease has run out', async () => {
    const log = createLogger('silent');
    // Its own prefix: the gateways' background sweeps would otherwise claim carol's offline first.
    const leasePrefix = uniquePrefix('status-lease');
    const options = { url, prefix: leasePrefix, graceMs: 200, lastSeenTtlMs: 60_000, nodeLeaseMs: 300, commandTimeoutMs: 1000 };
    const killed = new RedisUserStatus({ ...options, node: 'killed-node' }, log);
    const survivor = new RedisUserStatus({ ...options, node: 'survivor' }, log);
    try {
      await killed.sweep(Date.now());
      expect(await killed.connected('carol', 'c1', Date.now())).toBe(true);
      // The killed node never sweeps again; the survivor's sweeps notice its lease is over.
      let offline: string[] = [];
      await until(async () => {
        offline = offline.concat((await survivor.sweep(Date.now())).map((g) => g.user));
        return offline.includes('carol');
      }, 5000, 'carol offline');
      expect((await survivor.status(['carol'], Date.now()))[0]).toMatchObject({ online: false, connections: 0 });
    } finally {
      await killed.close();
      await survivor.close();
      await dropPrefix(url, leasePrefix);
    }
  });
});
