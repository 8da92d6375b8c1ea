import type { Centrifuge } from 'centrifuge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RpcError } from '../src/core/index.js';
import { collect, newClient, once, until } from './support/client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
const clients: Centrifuge[] = [];

async function connected(user: string, options: Parameters<TestGateway['token']>[1] = {}): Promise<Centrifuge> {
  const client = newClient(gw.url, { token: await gw.token(user, options) });
  clients.push(client);
  client.connect();
  await client.ready(3000);
  return client;
}

beforeAll(async () => {
  gw = await startGateway({}, {
    echo: ({ user, data }) => ({ user, echoed: data }),
    fail: () => {
      throw new RpcError({ code: 4001, message: 'run not found' });
    },
  });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});
afterAll(() => gw.close());

describe('official centrifuge client against the gateway', () => {
  it('connects with an HS256 token and gets a client id', async () => {
    const client = newClient(gw.url, { token: await gw.token('alice') });
    clients.push(client);
    const ctx = once(client, 'connected');
    client.connect();
    const { client: clientId, transport } = await ctx;
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(transport).toBe('websocket');
  });

  it('delivers API publications to subscribers, with offsets on a history channel', async () => {
    const client = await connected('alice');
    const sub = client.newSubscription('news:world');
    const offsets: number[] = [];
    sub.on('publication', (ctx) => offsets.push(ctx.offset ?? -1));
    const seen = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    const first = await gw.api('publish', { channel: 'news:world', data: { n: 1 } });
    await gw.api('publish', { channel: 'news:world', data: { n: 2 } });
    await until(() => seen.length === 2);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(offsets).toEqual([first.offset, first.offset + 1]);
    expect(first.epoch).toMatch(/^[a-zA-Z]{8}$/);
  });

  it('lets a subscriber publish where the namespace allows it, with publisher info', async () => {
    const alice = await connected('alice');
    const bob = await connected('bob');
    const aliceSub = alice.newSubscription('chat:room1');
    const bobSub = bob.newSubscription('chat:room1');
    const received = once<{ data: unknown; info?: { user: string } }>(bobSub, 'publication');
    aliceSub.subscribe();
    bobSub.subscribe();
    await Promise.all([aliceSub.ready(3000), bobSub.ready(3000)]);
    await aliceSub.publish({ text: 'hi' });
    const ctx = await received;
    expect(ctx.data).toEqual({ text: 'hi' });
    expect(ctx.info?.user).toBe('alice');
  });

  it('refuses a client publish the namespace does not allow with 103', async () => {
    const client = await connected('alice');
    const sub = client.newSubscription('news:world');
    sub.subscribe();
    await sub.ready(3000);
    await expect(sub.publish({ nope: true })).rejects.toMatchObject({ code: 103 });
  });

  it('answers history and presence to subscribers', async () => {
    const alice = await connected('alice');
    const bob = await connected('bob');
    const a = alice.newSubscription('chat:room2');
    const b = bob.newSubscription('chat:room2');
    a.subscribe();
    b.subscribe();
    await Promise.all([a.ready(3000), b.ready(3000)]);
    await a.publish({ m: 1 });
    await a.publish({ m: 2 });
    const history = await b.history({ limit: 10 });
    expect(history.publications.map((p) => p.data)).toEqual([{ m: 1 }, { m: 2 }]);
    expect(history.offset).toBe(2);
    const presence = await b.presence();
    expect(Object.values(presence.clients).map((c) => c.user).sort()).toEqual(['alice', 'bob']);
    const stats = await b.presenceStats();
    expect(stats).toEqual({ numClients: 2, numUsers: 2 });
  });

  it('pushes join and leave to subscribers', async () => {
    const alice = await connected('alice');
    const sub = alice.newSubscription('chat:room3');
    sub.subscribe();
    await sub.ready(3000);
    const join = once<{ info: { user: string } }>(sub, 'join');
    const bob = await connected('bob');
    const bobSub = bob.newSubscription('chat:room3');
    bobSub.subscribe();
    expect((await join).info.user).toBe('bob');
    const leave = once<{ info: { user: string } }>(sub, 'leave');
    bobSub.unsubscribe();
    expect((await leave).info.user).toBe('bob');
  });

  it('runs RPC handlers registered by the application', async () => {
    const client = await connected('alice');
    const reply = await client.rpc('echo', { x: 1 });
    expect(reply.data).toEqual({ user: 'alice', echoed: { x: 1 } });
    await expect(client.rpc('fail', {})).rejects.toMatchObject({ code: 4001, message: 'run not found' });
    await expect(client.rpc('missing', {})).rejects.toMatchObject({ code: 104 });
  });

  it('limits user channels to the users they name', async () => {
    const alice = await connected('alice');
    const own = alice.newSubscription('notifications:inbox#alice');
    own.subscribe();
    await own.ready(3000);
    const bob = await connected('bob');
    const foreign = bob.newSubscription('notifications:inbox#alice');
    const refused = once<{ code: number }>(foreign, 'unsubscribed');
    foreign.subscribe();
    expect((await refused).code).toBe(103);
  });

  it('requires a subscription token for $ channels', async () => {
    const alice = await connected('alice');
    const denied = alice.newSubscription('$private:ops');
    const refused = once<{ code: number }>(denied, 'unsubscribed');
    denied.subscribe();
    expect((await refused).code).toBe(103);
    alice.removeSubscription(denied);
    const allowed = alice.newSubscription('$private:ops', { getToken: () => gw.subscriptionToken('alice', '$private:ops') });
    allowed.subscribe();
    await allowed.ready(3000);
    const presence = await gw.api('presence', { channel: '$private:ops' });
    expect(Object.values(presence.presence).map((c: any) => c.user)).toEqual(['alice']);
  });

  it('subscribes server-side from the token channels claim', async () => {
    const client = newClient(gw.url, { token: await gw.token('carol', { channels: ['news:server'] }) });
    clients.push(client);
    const subscribed = once<{ channel: string; recoverable: boolean }>(client, 'subscribed');
    client.connect();
    const ctx = await subscribed;
    expect(ctx.channel).toBe('news:server');
    expect(ctx.recoverable).toBe(true);
    const publication = once<{ channel: string; data: unknown }>(client, 'publication');
    await gw.api('publish', { channel: 'news:server', data: { hello: 'carol' } });
    expect(await publication).toMatchObject({ channel: 'news:server', data: { hello: 'carol' } });
  });

  it('answers 108 for RPC when the application registered none', async () => {
    const bare = await startGateway();
    const client = newClient(bare.url, { token: await bare.token('alice') });
    client.connect();
    await client.ready(3000);
    await expect(client.rpc('anything', {})).rejects.toMatchObject({ code: 108 });
    client.disconnect();
    await bare.close();
  });
});
