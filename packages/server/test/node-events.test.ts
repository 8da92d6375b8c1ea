import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeObserver } from '../src/core/index.js';
import { follow, once, until } from './support/client.js';
import { newFallbackClient } from './support/fallback.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

describe('node events for the edges', () => {
  it.each(['websocket', 'http_stream'] as const)('reports connect, subscribe, unsubscribe and disconnect over %s, in order', async (transport) => {
    const seen: string[] = [];
    const user = `events-${transport}`;
    const mine = (event: { user: string }) => event.user === user;
    const observer: NodeObserver = {
      connected: (e) => mine(e) && seen.push(`connected ${e.transport}`),
      subscribed: (e) => mine(e) && seen.push(`subscribed ${e.channel}`),
      unsubscribed: (e) => mine(e) && seen.push(`unsubscribed ${e.channel}`),
      disconnected: (e) => mine(e) && seen.push(`disconnected ${e.code}`),
    };
    const stop = gw.gateway.node.events.observe(observer);
    const client = newFallbackClient(gw.gateway.baseUrl, [transport], { token: await gw.token(user) });
    client.connect();
    const a = await follow(client, 'news:events-a');
    await follow(client, 'news:events-b');
    a.sub.unsubscribe();
    await until(() => seen.includes('unsubscribed news:events-a'), 3000, 'unsubscribe');
    const gone = once(client, 'disconnected');
    await gw.api('disconnect', { user });
    await gone;
    await until(() => seen.some((s) => s.startsWith('disconnected')), 3000, 'disconnect event');
    stop();
    expect(seen).toEqual([
      `connected ${transport}`,
      'subscribed news:events-a',
      'subscribed news:events-b',
      'unsubscribed news:events-a',
      'unsubscribed news:events-b',
      'disconnected 3503',
    ]);
  });
});
