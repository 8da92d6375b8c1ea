import type { Centrifuge } from 'centrifuge';
import { afterAll, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import { baseTestConfig, callApi, deepMerge, TEST_SECRET, writeConfigFile } from './support/gateway.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';
import { newWebhookSecret, WebhookReceiver } from './support/webhook-receiver.js';
import { mintToken } from '../src/auth/mint.js';

const USERS = ['w1', 'w2', 'w3'];
const LIFECYCLE = ['client.connect', 'user.online', 'client.subscribe', 'client.unsubscribe', 'client.disconnect', 'user.offline'];

const running: GatewayProcess[] = [];
const secret = newWebhookSecret();
let receiver: WebhookReceiver;

afterAll(async () => {
  for (const gateway of running) gateway.child.kill('SIGKILL');
  await receiver?.close();
});

const apiUrl = (gateway: GatewayProcess) => gateway.url.replace(/^ws/, 'http').replace(/\/connection\/websocket$/, '/api');

async function connected(gateway: GatewayProcess, user: string): Promise<Centrifuge> {
  const client = newClient(gateway.url, { token: await mintToken(TEST_SECRET, { user }) });
  client.connect();
  await client.ready(3000);
  return client;
}

async function userLifecycle(gateway: GatewayProcess, user: string): Promise<void> {
  const client = await connected(gateway, user);
  const sub = client.newSubscription('news:restart');
  sub.subscribe();
  await sub.ready(3000);
  sub.unsubscribe();
  await new Promise((r) => setTimeout(r, 50));
  client.disconnect();
}

describe('webhooks across a SIGKILL of the gateway', () => {
  it('delivers every committed event at least once after a restart, in order per user', async () => {
    receiver = await WebhookReceiver.start(secret);
    // The receiver takes each event but holds its answer: the gateway dies with deliveries in flight.
    receiver.delay = 60_000;
    const file = writeConfigFile(deepMerge(baseTestConfig, {
      user_status: { offline_grace: '2s' },
      webhooks: { enabled: true, url: receiver.url, secret, retry_initial_interval: '100ms', retry_max_interval: '500ms', timeout: '30s' },
    }));
    const first = await spawnGateway(['serve', '--config', file]);
    running.push(first);
    await Promise.all(USERS.map((user) => userLifecycle(first, user)));
    // Two users are still connected when the gateway dies; one of them comes back after the restart.
    const stays = await connected(first, 'stays');
    const returns = await connected(first, 'returns');
    const expected = USERS.length * LIFECYCLE.length + 4;
    // Committed = acknowledged: what the outbox holds is what must arrive.
    await until(async () => (await callApi(apiUrl(first), 'webhook_stats', {})).pending === expected, 5000, 'every event in the outbox');
    await until(() => receiver.deliveries.length === USERS.length + 2, 5000, 'one delivery in flight per user');

    first.child.kill('SIGKILL');
    await first.exited;
    receiver.delay = 0;
    const second = await spawnGateway(['serve', '--config', file]);
    running.push(second);

    stays.disconnect();
    returns.disconnect();
    const back = await connected(second, 'returns');

    await until(() => receiver.events.length === expected + 2, 10_000, 'every event delivered, and the offline of the user who did not return');
    for (const user of USERS) expect(receiver.eventsOf(user).map((e) => e.type)).toEqual(LIFECYCLE);
    // The killed gateway saw no disconnect; its successor still sends the offline of who stayed away.
    expect(receiver.eventsOf('stays').map((e) => e.type)).toEqual(['client.connect', 'user.online', 'user.offline']);
    // Back within the grace period: a new connection, but no offline and no second online.
    expect(receiver.eventsOf('returns').map((e) => e.type)).toEqual(['client.connect', 'user.online', 'client.connect']);
    back.disconnect();
    await until(() => receiver.eventsOf('returns').at(-1)?.type === 'user.offline', 10_000, 'offline of the returned user');
    // The in-flight ones came twice, with the same id: the receiver's dedupe is what makes it once.
    expect(receiver.deliveries.length).toBeGreaterThan(receiver.events.length);
    expect(await callApi(apiUrl(second), 'webhook_stats', {})).toMatchObject({ pending: 0, dead: 0 });
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
