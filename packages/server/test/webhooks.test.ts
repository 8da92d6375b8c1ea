import { afterEach, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import { createUserStatusExtension, createWebhooksExtension } from '../src/index.js';
import { baseTestConfig, callApi, deepMerge, startGateway, writeConfigFile, type ConfigFile, type TestGateway } from './support/gateway.js';
import { runCli } from './support/process.js';
import { startConfiguredGateway } from './support/lifecycle.js';
import { postgresBackend } from './support/inbox.js';
import { newWebhookSecret, WebhookReceiver } from './support/webhook-receiver.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

/** Short backoff so that retries happen within a test. */
const fastRetries = { retry_initial_interval: '50ms', retry_max_interval: '300ms', timeout: '2s' };

async function webhookGateway(url: string, secret: string, webhooks: ConfigFile = {}, extra: ConfigFile = {}): Promise<TestGateway> {
  const overrides = deepMerge({ webhooks: { enabled: true, url, secret, ...fastRetries, ...webhooks }, user_status: { offline_grace: '300ms' } }, extra);
  const gw = await startConfiguredGateway(overrides);
  opened.push(gw);
  return gw;
}

const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

describe('lifecycle webhooks', () => {
  it('sends connect, online, subscribe, unsubscribe, disconnect and offline, signed, in order', async () => {
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    opened.push(receiver);
    const gw = await webhookGateway(receiver.url, secret);
    const client = newClient(gw.url, { token: await gw.token('alice') });
    client.connect();
    await client.ready(3000);
    const sub = client.newSubscription('news:1');
    sub.subscribe();
    await sub.ready(3000);
    sub.unsubscribe();
    await until(() => receiver.eventsOf('alice').some((e) => e.type === 'client.unsubscribe'), 5000, 'unsubscribe webhook');
    client.disconnect();
    await until(() => receiver.eventsOf('alice').some((e) => e.type === 'user.offline'), 5000, 'offline webhook');

    const events = receiver.eventsOf('alice');
    expect(types(events)).toEqual(['client.connect', 'user.online', 'client.subscribe', 'client.unsubscribe', 'client.disconnect', 'user.offline']);
    const disconnect = events.find((e) => e.type === 'client.disconnect')!;
    expect(disconnect.data).toMatchObject({ user: 'alice', transport: 'websocket', code: expect.any(Number), reason: expect.any(String) });
    expect(events.find((e) => e.type === 'client.subscribe')!.data.channel).toBe('news:1');
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(receiver.rejected).toBe(0);
    const stats = await gw.api('webhook_stats', {});
    expect(stats).toMatchObject({ pending: 0, dead: 0, delivered: 6 });
  });

  it('keeps retrying a receiver that is down, then delivers everything in order per user', async () => {
    const secret = newWebhookSecret();
    const first = await WebhookReceiver.start(secret);
    const { port, url } = first;
    // Down: nothing listens on the receiver's port (connection refused), then it answers 503.
    await first.close();
    const gw = await webhookGateway(url, secret);
    const clients = await Promise.all(['u1', 'u2', 'u3'].map(async (user) => {
      const client = newClient(gw.url, { token: await gw.token(user) });
      client.connect();
      await client.ready(3000);
      return client;
    }));
    for (const client of clients) client.disconnect();
    await until(async () => (await gw.api('webhook_stats', {})).failed_attempts >= 6, 5000, 'refused attempts');
    const receiver = await WebhookReceiver.start(secret, port);
    opened.push(receiver);
    receiver.status = 503;
    await until(() => receiver.rejected === 0 && receiver.deliveries.length === 0 && receiver.requests >= 3, 5000, 'attempts answered 503');
    receiver.status = 204;
    await until(() => receiver.events.filter((e) => e.type === 'user.offline').length === 3, 10_000, 'every offline');
    for (const user of ['u1', 'u2', 'u3']) expect(types(receiver.eventsOf(user))).toEqual(['client.connect', 'user.online', 'client.disconnect', 'user.offline']);
    expect(await gw.api('webhook_stats', {})).toMatchObject({ pending: 0, dead: 0 });
  });

  it('dead-letters an event after the retry period and sends it again on webhook_retry', async () => {
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    opened.push(receiver);
    receiver.status = 500;
    const gw = await webhookGateway(receiver.url, secret, { retry_period: '400ms', events: ['client.connect'] });
    const client = newClient(gw.url, { token: await gw.token('dora') });
    client.connect();
    await client.ready(3000);
    await until(async () => (await gw.api('webhook_stats', {})).dead === 1, 5000, 'dead letter');
    const page = await gw.api('webhook_dead_letters', {});
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ type: 'client.connect', user: 'dora', last_error: 'HTTP 500' });
    expect(page.items[0].attempts).toBeGreaterThan(1);

    receiver.status = 204;
    expect(await gw.api('webhook_retry', { all: true })).toEqual({ retried: 1 });
    await until(() => receiver.events.length === 1, 5000, 'retried delivery');
    expect(receiver.events[0]!.id).toBe(page.items[0].id);
    expect(await gw.api('webhook_stats', {})).toMatchObject({ pending: 0, dead: 0 });
    client.disconnect();
  });

  it('keeps the outbox in PostgreSQL when notifications.database_url is set', async () => {
    const database = await postgresBackend.create();
    opened.push({ close: database.drop });
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    opened.push(receiver);
    receiver.status = 503;
    const gw = await webhookGateway(receiver.url, secret, {}, { notifications: { database_url: database.options.databaseUrl } });
    const client = newClient(gw.url, { token: await gw.token('pat') });
    client.connect();
    await client.ready(3000);
    client.disconnect();
    await until(async () => (await gw.api('webhook_stats', {})).pending === 4, 5000, 'events in the PostgreSQL outbox');
    receiver.status = 204;
    await until(() => receiver.eventsOf('pat').length === 4, 5000, 'delivered');
    expect(types(receiver.eventsOf('pat'))).toEqual(['client.connect', 'user.online', 'client.disconnect', 'user.offline']);
  });

  it('refuses to serve with webhooks on but no receiver or a malformed secret, naming each key', async () => {
    const file = writeConfigFile(deepMerge(baseTestConfig, { webhooks: { enabled: true } }));
    const missing = await runCli(['serve', '--config', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('webhooks.url: required when webhooks.enabled is true');
    expect(missing.stderr).toContain('webhooks.secret: required when webhooks.enabled is true');
    const short = writeConfigFile(deepMerge(baseTestConfig, { webhooks: { enabled: true, url: 'http://127.0.0.1:9/hooks', secret: 'whsec_c2hvcnQ=' } }));
    const bad = await runCli(['serve', '--config', short]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('webhooks.secret: the key after whsec_ must be at least 16 bytes');
    const notUrl = await runCli(['check-config', '--config', writeConfigFile(deepMerge(baseTestConfig, { webhooks: { url: 'ftp://x' } }))]);
    expect(notUrl.code).toBe(1);
    expect(notUrl.stderr).toContain('webhooks.url');
  });

  it('works embedded, from the public entry, as the README shows', async () => {
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    opened.push(receiver);
    const status = createUserStatusExtension({ offlineGrace: 200 });
    const webhooks = createWebhooksExtension({ url: receiver.url, secret, status });
    const gw = await startGateway({}, undefined, { extensions: [status, webhooks] });
    opened.push(gw);
    const client = newClient(gw.url, { token: await gw.token('ivy') });
    client.connect();
    await client.ready(3000);
    client.disconnect();
    await until(() => receiver.eventsOf('ivy').length === 4, 5000, 'the four events');
    expect(types(receiver.eventsOf('ivy'))).toEqual(['client.connect', 'user.online', 'client.disconnect', 'user.offline']);
  });

  it('answers bad API input with 107 and names the field', async () => {
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    opened.push(receiver);
    const gw = await webhookGateway(receiver.url, secret);
    await expect(callApi(gw.apiUrl, 'webhook_retry', {})).rejects.toMatchObject({ code: 107 });
    await expect(callApi(gw.apiUrl, 'webhook_dead_letters', { limit: 0 })).rejects.toMatchObject({ code: 107, message: expect.stringContaining('limit') });
    await expect(callApi(gw.apiUrl, 'user_status', { users: [] })).rejects.toMatchObject({ code: 107 });
  });
});
