import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Centrifuge } from 'centrifuge';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ASSETS_DIR } from '../src/admin/static.js';
import { launchChromium, screenshot } from '../../react/test/browser/support.js';
import { ADMIN_PASSWORD, ADMIN_SECRET, AdminHttp } from './support/admin.js';
import { newClient, until } from './support/client.js';
import type { TestGateway } from './support/gateway.js';
import { startConfiguredGateway } from './support/lifecycle.js';
import { newWebhookSecret, WebhookReceiver } from './support/webhook-receiver.js';

const secret = newWebhookSecret();
let receiver: WebhookReceiver;
let gw: TestGateway;
let baseUrl: string;
let admin: AdminHttp;
let client: Centrifuge;

beforeAll(async () => {
  receiver = await WebhookReceiver.start(secret);
  receiver.status = 500;
  gw = await startConfiguredGateway({
    admin: { enabled: true, password: ADMIN_PASSWORD, secret: ADMIN_SECRET },
    webhooks: { enabled: true, url: receiver.url, secret, events: ['client.connect'], retry_period: '300ms', retry_initial_interval: '50ms', retry_max_interval: '100ms' },
  });
  baseUrl = gw.gateway.baseUrl;
  admin = await AdminHttp.login(baseUrl);
  client = newClient(gw.url, { token: await gw.token('gina') });
  client.connect();
  await client.ready(3000);
  await until(async () => (await gw.api('webhook_stats', {})).dead === 1, 5000, 'a dead letter');
});

afterAll(async () => {
  client?.disconnect();
  await gw?.close();
  await receiver?.close();
});

describe('admin: users and webhooks', () => {
  it('reads the outbox, the dead letters and a user\'s status through the admin API', async () => {
    const webhooks = await admin.get('webhooks');
    expect(webhooks.body).toMatchObject({ enabled: true, stats: { url: receiver.url, dead: 1 }, deadLetters: { items: [{ type: 'client.connect', user: 'gina', last_error: 'HTTP 500' }] } });
    expect((await admin.get('user_status?user=gina')).body.user).toMatchObject({ user: 'gina', online: true, connections: 1 });
    expect((await admin.get('user_status')).body.online.users).toEqual([expect.objectContaining({ user: 'gina', connections: 1 })]);
    const refused = await admin.post('webhook_retry', { ids: [] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(107);
    const noCsrf = await admin.request('POST', 'webhook_retry', { all: true }, { 'X-CSRF-Token': 'wrong' });
    expect(noCsrf.status).toBe(403);
  });

  describe.skipIf(!existsSync(join(DEFAULT_ASSETS_DIR, 'index.html')))('in Chromium', () => {
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    }, 30_000);
    afterAll(async () => browser?.close());

    it('shows the dead letter, retries it, and looks up a user', async () => {
      await page.goto(`${baseUrl}/admin/#/webhooks`);
      await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: 'client.connect' });
      await expect.poll(() => row.first().textContent(), { timeout: 10_000 }).toContain('gina');
      expect(await row.first().textContent()).toContain('HTTP 500');
      await screenshot(page, 'admin-webhooks');

      receiver.status = 204;
      await row.first().getByRole('button', { name: /^Retry client\.connect of gina/ }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toBe('1 event back in line for delivery.');
      await until(() => receiver.events.length === 1, 5000, 'the retried event at the receiver');
      expect(receiver.events[0]!.data).toMatchObject({ user: 'gina' });
      await page.getByText('No dead letters').waitFor({ timeout: 10_000 });

      await page.getByLabel('User id').fill('gina');
      await page.getByRole('button', { name: 'Look up' }).click();
      const status = page.getByLabel('Status of gina');
      await expect.poll(() => status.textContent()).toContain('online');
      expect(await status.textContent()).toContain('Connections1');
    });
  });
});
