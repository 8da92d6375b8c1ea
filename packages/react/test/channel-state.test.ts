import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type TestGateway } from '../../server/test/support/gateway.js';
import { until } from '../../server/test/support/client.js';
import { ChannelStateStore } from '../src/core/channel-state.js';
import type { Publication } from '../src/core/channels.js';
import { RealtimeClient } from '../src/core/client.js';

let gw: TestGateway;
const clients: RealtimeClient[] = [];

beforeEach(async () => {
  gw = await startGateway({ client: { idle_timeout: '1s' } });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.release();
  await gw.close();
});

function newClient(user = 'alice') {
  const client = new RealtimeClient(gw.url, () => () => gw.token(user), { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 300, timeout: 3000 });
  clients.push(client);
  client.retain();
  return client;
}

const collect = (state: number[], publication: Publication<number>) => [...state, publication.data];

describe('ChannelStateStore: history plus live publications', () => {
  it('folds the history, then live publications, and restarts from history on recovered: false', async () => {
    for (const n of [1, 2, 3]) await gw.api('publish', { channel: 'news:state', data: n });
    const client = newClient();
    const store = new ChannelStateStore<number[], number>(client.channels, 'news:state', () => collect, []);
    store.start();
    await until(() => store.snapshot.get().ready, 5000, 'history loaded');
    expect(store.snapshot.get().state).toEqual([1, 2, 3]);
    await gw.api('publish', { channel: 'news:state', data: 4 });
    await until(() => store.snapshot.get().state.length === 4, 5000, 'live publication');
    expect(store.snapshot.get().state).toEqual([1, 2, 3, 4]);

    // Missed while away and then gone from history: the gateway cannot recover the gap.
    const sdk = client.centrifuge();
    sdk.disconnect();
    await gw.api('publish', { channel: 'news:state', data: 5 });
    await gw.api('publish', { channel: 'news:state', data: 6 });
    await gw.api('history_remove', { channel: 'news:state' });
    await gw.api('publish', { channel: 'news:state', data: 7 });
    sdk.connect();
    await until(() => client.channels.peek('news:state')!.snapshot.get().generation === 2, 5000, 'resubscribed');
    expect(client.channels.peek('news:state')!.snapshot.get().recovered).toBe(false);
    await until(() => store.snapshot.get().ready, 5000, 'reloaded');
    // Reset to the initial state and rebuilt from what history still has: nothing kept from before.
    expect(store.snapshot.get().state).toEqual([7]);
    store.stop();
  });

  it('takes over from a server-rendered snapshot at its stream position: no reload, nothing twice', async () => {
    for (const n of [1, 2]) await gw.api('publish', { channel: 'news:snap', data: n });
    const rendered = await gw.api<{ publications: Array<{ data: number }>; offset: number; epoch: string }>('history', { channel: 'news:snap', limit: -1 });
    // Published after the server rendered and before the page subscribed.
    await gw.api('publish', { channel: 'news:snap', data: 3 });
    const client = newClient();
    let loads = 0;
    const store = new ChannelStateStore<number[], number>(client.channels, 'news:snap', () => collect, [], {
      snapshot: { state: rendered.publications.map((p) => p.data), position: { offset: rendered.offset, epoch: rendered.epoch } },
      load: async () => {
        loads++;
        return [];
      },
    });
    expect(store.snapshot.get()).toMatchObject({ state: [1, 2], ready: true });
    store.start();
    await until(() => store.snapshot.get().state.length === 3, 5000, 'caught up');
    await gw.api('publish', { channel: 'news:snap', data: 4 });
    await until(() => store.snapshot.get().state.length === 4, 5000, 'live');
    expect(store.snapshot.get().state).toEqual([1, 2, 3, 4]);
    expect(client.channels.peek('news:snap')!.snapshot.get().recovered).toBe(true);
    expect(loads).toBe(0);
    store.stop();
  });

  it('reloads from the app loader on recovered: false and folds publications that arrived meanwhile', async () => {
    const client = newClient();
    let release: () => void = () => undefined;
    const loaderGate = new Promise<void>((resolve) => (release = resolve));
    const store = new ChannelStateStore<number[], number>(client.channels, 'news:load', () => collect, [], {
      load: async () => {
        await loaderGate;
        return [100];
      },
    });
    store.start();
    await until(() => client.channels.peek('news:load')?.snapshot.get().status === 'subscribed', 5000, 'subscribed');
    await gw.api('publish', { channel: 'news:load', data: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(store.snapshot.get()).toMatchObject({ ready: false, state: [] });
    release();
    await until(() => store.snapshot.get().ready, 5000, 'loaded');
    expect(store.snapshot.get().state).toEqual([100, 1]);
    store.stop();
  });
});

describe('RealtimeClient connection behaviour', () => {
  it('reconnects after an idle close (4500) once the app subscribes again', async () => {
    const client = newClient();
    await until(() => client.connection.get().status === 'connected', 5000, 'connected');
    await until(() => client.connection.get().status === 'disconnected', 8000, 'idle close');
    expect(client.connection.get().lastDisconnect).toMatchObject({ code: 4500, willReconnect: false });
    const entry = client.channels.acquire('news:idle');
    await until(() => entry.snapshot.get().status === 'subscribed', 5000, 'subscribed after idle close');
    expect(client.connection.get().status).toBe('connected');
    client.channels.release('news:idle');
  });

  it('subscribes a private $ channel with a subscription token from getToken, and stops on a refusal', async () => {
    const client = newClient('alice');
    const asked: string[] = [];
    const entry = client.channels.acquire('$private:room', {
      getToken: async (channel) => {
        asked.push(channel);
        return gw.subscriptionToken('alice', channel);
      },
    });
    await until(() => entry.snapshot.get().status === 'subscribed', 5000, 'subscribed with a token');
    expect(asked).toEqual(['$private:room']);
    const refused = client.channels.acquire('$private:closed', { getToken: async () => null });
    await until(() => refused.snapshot.get().status === 'unsubscribed' && refused.snapshot.get().error !== null, 5000, 'refused');
    expect(refused.snapshot.get().error?.code).toBe(1); // the SDK's unsubscribedCodes.unauthorized
    client.channels.release('$private:room');
    client.channels.release('$private:closed');
  });

  it('warns in development when components disagree on a channel, and on subscription churn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const client = newClient();
      client.channels.acquire('news:owner', { recover: true });
      client.channels.acquire('news:owner', { recover: false });
      client.channels.acquire('news:owner');
      expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('"news:owner"'))).toEqual([
        expect.stringContaining('components disagree on the options of "news:owner" (recover)'),
      ]);
      for (let i = 0; i < 3; i++) client.channels.release('news:owner');
      for (let i = 0; i < 12; i++) {
        client.channels.acquire('news:churn');
        client.channels.release('news:churn');
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(warn.mock.calls.some((c) => String(c[0]).includes('"news:churn" was subscribed'))).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });
});
