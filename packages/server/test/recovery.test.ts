import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, until } from './support/client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    channel: {
      namespaces: [
        { name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true },
        { name: 'tiny', history_size: 2, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true },
      ],
    },
  });
});
afterAll(() => gw.close());

/** A client whose reconnect waits long enough for the test to publish while it is away. */
async function slowReconnectingClient(user: string): Promise<Centrifuge> {
  const client = newClient(gw.url, { token: await gw.token(user), minReconnectDelay: 400, maxReconnectDelay: 600 });
  client.connect();
  await client.ready(3000);
  return client;
}

function forceReconnect(user: string) {
  // 4000–4499: application codes after which the SDK reconnects.
  return gw.api('disconnect', { user, disconnect: { code: 4000, reason: 'test reconnect' } });
}

describe('history recovery after reconnect', () => {
  it('recovers every publication made while the client was away, in order, once', async () => {
    const client = await slowReconnectingClient('rec-1');
    const { sub, offsets, data } = await follow(client, 'runs:r1');
    for (let i = 1; i <= 3; i++) await gw.api('publish', { channel: 'runs:r1', data: { i } });
    await until(() => data.length === 3);
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await forceReconnect('rec-1');
    for (let i = 4; i <= 8; i++) await gw.api('publish', { channel: 'runs:r1', data: { i } });
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(true);
    await until(() => data.length >= 8);
    expect(data).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ i })));
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    client.disconnect();
  });

  it('says recovered: false when the missed publications are no longer kept', async () => {
    const client = await slowReconnectingClient('rec-2');
    const sub = client.newSubscription('tiny:t1');
    sub.subscribe();
    await sub.ready(3000);
    await gw.api('publish', { channel: 'tiny:t1', data: { i: 1 } });
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean; streamPosition?: { offset: number } }>(sub, 'subscribed', 5000);
    await forceReconnect('rec-2');
    for (let i = 2; i <= 6; i++) await gw.api('publish', { channel: 'tiny:t1', data: { i } });
    const ctx = await resubscribed;
    expect(ctx.wasRecovering).toBe(true);
    expect(ctx.recovered).toBe(false);
    expect(ctx.streamPosition?.offset).toBe(6);
    client.disconnect();
  });

  it('loses and duplicates nothing while publications race with resubscribes', async () => {
    const total = 300;
    const client = newClient(gw.url, { token: await gw.token('rec-3'), minReconnectDelay: 20, maxReconnectDelay: 60 });
    client.connect();
    const sub = client.newSubscription('runs:race');
    const offsets: number[] = [];
    sub.on('publication', (ctx) => offsets.push(ctx.offset!));
    sub.subscribe();
    await sub.ready(3000);
    let published = 0;
    const publisher = (async () => {
      while (published < total) {
        await gw.api('publish', { channel: 'runs:race', data: { n: published + 1 } });
        published += 1;
      }
    })();
    let reconnects = 0;
    while (published < total) {
      await forceReconnect('rec-3');
      reconnects += 1;
      await new Promise((r) => setTimeout(r, 40));
    }
    await publisher;
    await until(() => offsets.length >= total, 10000, `${total} publications`);
    await new Promise((r) => setTimeout(r, 200));
    expect(reconnects).toBeGreaterThan(3);
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    client.disconnect();
  });
});
