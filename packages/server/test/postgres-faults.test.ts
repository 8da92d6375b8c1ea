import { afterEach, describe, expect, it } from 'vitest';
import { createInboxExtension } from '../src/inbox/extension.js';
import { createWebhooksExtension } from '../src/webhooks/extension.js';
import type { GatewayExtension } from '../src/extension.js';
import { newClient, until } from './support/client.js';
import { startGateway, TEST_API_KEY, type TestGateway } from './support/gateway.js';
import { inboxConfig, openTab, postgresBackend } from './support/inbox.js';
import { TcpForwarder } from './support/tcp-fault.js';
import { newWebhookSecret, WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The gateway's PostgreSQL behind a fault proxy: the network to it is cut, slowed, left hanging
 * (a SIGSTOPped server) or reset, while clients and back ends use what it stores. The shared
 * PostgreSQL itself is never touched: each test has its own database.
 */

interface Fault {
  name: string;
  start(proxy: TcpForwarder): void;
  end(proxy: TcpForwarder): void;
  /** Calls fail while it lasts, and `/readyz` says so. */
  outage: boolean;
}

const FAULTS: Fault[] = [
  { name: 'cut', start: (p) => p.cut(), end: (p) => p.restore(), outage: true },
  { name: 'half-open (paused)', start: (p) => p.pause(), end: (p) => p.resume(), outage: true },
  { name: 'delay', start: (p) => p.delay(150), end: (p) => p.delay(0), outage: false },
  // A reset is over once sent: the calls in flight fail, the next ones open new connections.
  { name: 'reset', start: (p) => p.reset(), end: () => undefined, outage: false },
];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A fresh database reached through a fault proxy, and a gateway with `extensions` on it. */
async function gatewayBehindProxy(extensions: (databaseUrl: string) => GatewayExtension[]): Promise<{ gw: TestGateway; proxy: TcpForwarder }> {
  const database = await postgresBackend.create();
  closers.push(database.drop);
  const url = new URL(database.options.databaseUrl!);
  const postgresPort = Number(url.port || 5432);
  const proxy = await TcpForwarder.start(() => [postgresPort]);
  closers.push(() => proxy.close());
  url.port = String(proxy.port);
  const gw = await startGateway(inboxConfig, undefined, { captureLogs: true, extensions: extensions(url.toString()) });
  closers.push(() => gw.close());
  return { gw, proxy };
}

async function readiness(gw: TestGateway): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const response = await fetch(new URL('/readyz', gw.apiUrl));
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}

/** One raw server API call, so the test sees the HTTP status and the JSON body as a back end does. */
async function apiCall(gw: TestGateway, method: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${gw.apiUrl}/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_API_KEY }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

/** Runs `step` over and over on a few workers until stopped; `step` records what it saw. */
function load(workers: number, step: () => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) await step();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe.each(FAULTS)('inbox on PostgreSQL, network $name', (fault) => {
  it('answers 116 / 503 while the database is away, keeps every acknowledged notification, and recovers by itself', async () => {
    const { gw, proxy } = await gatewayBehindProxy((databaseUrl) => [createInboxExtension({ databaseUrl, purgeInterval: 0 })]);
    // The server answers a hung database within its pool's connect (2 s) plus query (3 s) timeouts;
    // the SDK's own 5 s RPC timeout could fire first on a loaded machine and hide the server's code.
    const tab = await openTab(gw, 'alice', { timeout: 15_000 });
    const acknowledged: string[] = [];
    const apiErrors: Array<{ status: number; json: any }> = [];
    const rpcErrors: Array<{ code: number }> = [];
    let sentDuringFault = 0;
    let faulty = false;
    const sends = load(3, async () => {
      const reply = await apiCall(gw, 'notification_send', { type: 'fault.test', title: 'during faults', user: 'alice' });
      if (reply.status === 200 && reply.json.result?.id) {
        acknowledged.push(reply.json.result.id);
        if (faulty) sentDuringFault += 1;
      } else apiErrors.push(reply);
    });
    const reads = load(1, async () => {
      await tab.rpc('notifications.unread_count').catch((error: { code: number }) => rpcErrors.push(error));
    });
    try {
      await until(() => acknowledged.length >= 5, 10_000, 'sends before the fault');
      faulty = true;
      fault.start(proxy);
      if (fault.outage) {
        await until(() => apiErrors.length > 0 && rpcErrors.length > 0, 15_000, 'calls failing during the fault');
        await until(async () => (await readiness(gw)).status === 503, 10_000, '/readyz degraded');
        expect((await readiness(gw)).body.checks.inbox).toMatch(/database unreachable|no answer within/);
      } else {
        const before = acknowledged.length;
        await until(() => acknowledged.length >= before + 3, 15_000, 'sends while the fault lasts');
      }
      fault.end(proxy);
      faulty = false;
      await until(async () => (await readiness(gw)).status === 200, 15_000, '/readyz ready again');
      const after = acknowledged.length;
      await until(() => acknowledged.length >= after + 5, 15_000, 'sends after the fault');
    } finally {
      await Promise.all([sends.stop(), reads.stop()]);
    }
    if (fault.name === 'delay') expect(sentDuringFault).toBeGreaterThan(0);

    // Every failure was the clear one: the server API's 116 (temporarily unavailable) with a body.
    for (const failure of apiErrors) expect(failure.json.error).toMatchObject({ code: 116, message: expect.stringContaining('inbox database did not answer') });
    for (const failure of rpcErrors) expect(failure.code).toBe(503);
    if (apiErrors.length + rpcErrors.length > 0) expect(gw.logs.some((line) => line.event === 'inbox_database_unavailable')).toBe(true);

    // Nothing acknowledged is lost.
    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; next_cursor: string | null } = await gw.api('notification_list', { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) stored.add(item.id);
      cursor = page.next_cursor;
    } while (cursor);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // The same gateway, never restarted, serves its clients again.
    expect((await tab.rpc('notifications.unread_count')).count).toBeGreaterThanOrEqual(acknowledged.length);
    tab.client.disconnect();
  });
});

describe.each(FAULTS)('webhook outbox on PostgreSQL, network $name', (fault) => {
  it('delivers every event recorded around the fault once the database is back, with no restart', async () => {
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    closers.push(() => receiver.close());
    const { gw, proxy } = await gatewayBehindProxy((databaseUrl) => [
      createWebhooksExtension({ url: receiver.url, secret, databaseUrl, events: ['client.connect', 'client.disconnect'], retryInitialInterval: 50, retryMaxInterval: 300, timeout: 2000 }),
    ]);
    /** Users whose connection was accepted: each owes the receiver a connect and a disconnect. */
    const users: string[] = [];
    let serial = 0;
    const statsErrors: Array<{ status: number; json: any }> = [];
    let faulty = false;
    // Each connection opens and closes; paced under client.connect_rate_limit (100/s per address).
    const churn = load(2, async () => {
      const user = `u${serial++}${faulty ? '-fault' : ''}`;
      const client = newClient(gw.url, { token: await gw.token(user) });
      client.connect();
      try {
        await client.ready(5000);
        users.push(user);
      } finally {
        client.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    try {
      await until(() => receiver.events.length >= 6, 10_000, 'deliveries before the fault');
      faulty = true;
      fault.start(proxy);
      if (fault.outage) {
        await until(async () => {
          const reply = await apiCall(gw, 'webhook_stats', {});
          if (reply.json.error) statsErrors.push(reply);
          return statsErrors.length > 0;
        }, 15_000, 'webhook_stats failing');
        await until(async () => (await readiness(gw)).body.checks.webhooks !== 'ok', 10_000, '/readyz reports the outbox down');
      }
      await until(() => users.filter((u) => u.endsWith('-fault')).length >= 4, 15_000, 'connections during the fault');
      fault.end(proxy);
      faulty = false;
      await until(async () => (await readiness(gw)).status === 200, 15_000, '/readyz ready again');
    } finally {
      await churn.stop();
    }
    for (const failure of statsErrors) expect(failure.json.error).toMatchObject({ code: 116, message: expect.stringContaining('outbox database did not answer') });

    // Each connection's connect and disconnect reach the receiver, in order, the outage's included.
    await until(() => users.every((user) => receiver.eventsOf(user).length === 2), 30_000, 'every event delivered');
    for (const user of users) expect(receiver.eventsOf(user).map((e) => e.type)).toEqual(['client.connect', 'client.disconnect']);
    await until(async () => (await gw.api('webhook_stats', {})).pending === 0, 10_000, 'outbox drained');
    expect(receiver.rejected).toBe(0);
    if (fault.outage) expect(gw.logs.some((line) => line.event === 'webhook_outbox_write_failed')).toBe(true);
  });
});
