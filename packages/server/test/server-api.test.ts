import type { Centrifuge } from 'centrifuge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newClient, once, until } from './support/client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
const clients: Centrifuge[] = [];

const clientIds = new WeakMap<Centrifuge, string>();

async function connected(user: string): Promise<Centrifuge> {
  const client = newClient(gw.url, { token: await gw.token(user) });
  clients.push(client);
  const ctx = once<{ client: string }>(client, 'connected');
  client.connect();
  clientIds.set(client, (await ctx).client);
  return client;
}

beforeAll(async () => {
  gw = await startGateway();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});
afterAll(() => gw.close());

describe('server API', () => {
  it('broadcasts to several channels and reports each one', async () => {
    const client = await connected('bc');
    const a = client.newSubscription('news:a');
    const b = client.newSubscription('chat:b');
    const got: string[] = [];
    a.on('publication', () => got.push('a'));
    b.on('publication', () => got.push('b'));
    a.subscribe();
    b.subscribe();
    await Promise.all([a.ready(3000), b.ready(3000)]);
    const result = await gw.api('broadcast', { channels: ['news:a', 'chat:b', 'nosuchns:c'], data: { all: true } });
    expect(result.responses[0].result.offset).toBe(1);
    expect(result.responses[1].result).toEqual({ offset: 1, epoch: expect.any(String) });
    expect(result.responses[2].error.code).toBe(102);
    await until(() => got.length === 2);
    expect(got.sort()).toEqual(['a', 'b']);
  });

  it('subscribes and unsubscribes a user server-side', async () => {
    const client = await connected('dave');
    const subscribed = once<{ channel: string }>(client, 'subscribed');
    await gw.api('subscribe', { user: 'dave', channel: 'news:pushed' });
    expect((await subscribed).channel).toBe('news:pushed');
    const publication = once<{ data: unknown }>(client, 'publication');
    await gw.api('publish', { channel: 'news:pushed', data: { x: 1 } });
    expect((await publication).data).toEqual({ x: 1 });
    const unsubscribed = once<{ channel: string }>(client, 'unsubscribed');
    await gw.api('unsubscribe', { user: 'dave', channel: 'news:pushed' });
    expect((await unsubscribed).channel).toBe('news:pushed');
    expect((await gw.api('channels', {})).channels['news:pushed']).toBeUndefined();
  });

  it('lists channels with their subscriber counts, filtered by pattern', async () => {
    const first = await connected('c1');
    const second = await connected('c2');
    for (const client of [first, second]) {
      const sub = client.newSubscription('chat:counted');
      sub.subscribe();
      await sub.ready(3000);
    }
    const sub = first.newSubscription('news:other');
    sub.subscribe();
    await sub.ready(3000);
    expect((await gw.api('channels', { pattern: 'chat:*' })).channels).toEqual({ 'chat:counted': { num_clients: 2 } });
  });

  it('disconnects a user with the chosen code, sparing a whitelisted client', async () => {
    const kept = await connected('erin');
    const dropped = await connected('erin');
    const keptId = clientIds.get(kept);
    const disconnected = once<{ code: number; reason: string }>(dropped, 'disconnected');
    await gw.api('disconnect', { user: 'erin', whitelist: [keptId], disconnect: { code: 4501, reason: 'banned' } });
    expect(await disconnected).toEqual({ code: 4501, reason: 'banned' });
    expect(kept.state).toBe('connected');
  });

  it('expires a user connection on refresh with expired: true (3005, the client reconnects)', async () => {
    const client = await connected('frank');
    const reconnecting = once<{ code: number }>(client, 'connecting');
    await gw.api('refresh', { user: 'frank', expired: true });
    expect((await reconnecting).code).toBe(3005);
  });

  it('reads and removes history', async () => {
    for (let n = 1; n <= 3; n++) await gw.api('publish', { channel: 'news:hist', data: { n } });
    const page = await gw.api('history', { channel: 'news:hist', limit: 2, reverse: true });
    expect(page.publications.map((p: { data: { n: number } }) => p.data.n)).toEqual([3, 2]);
    expect(page.offset).toBe(3);
    const since = await gw.api('history', { channel: 'news:hist', limit: -1, since: { offset: 1, epoch: page.epoch } });
    expect(since.publications.map((p: { offset: number }) => p.offset)).toEqual([2, 3]);
    await expect(gw.api('history', { channel: 'news:hist', limit: 1, since: { offset: 1, epoch: 'stale' } })).rejects.toMatchObject({ code: 112 });
    await gw.api('history_remove', { channel: 'news:hist' });
    const emptied = await gw.api('history', { channel: 'news:hist', limit: -1 });
    expect(emptied.publications).toEqual([]);
    expect(emptied.offset).toBe(3);
    await expect(gw.api('history', { channel: 'plain', limit: 1 })).rejects.toMatchObject({ code: 108 });
  });

  it('reports the node in info', async () => {
    await connected('gina');
    const info = await gw.api('info', {});
    expect(info.nodes).toHaveLength(1);
    expect(info.nodes[0]).toMatchObject({ version: '0.1.0', num_clients: 1, num_users: 1 });
  });
});
