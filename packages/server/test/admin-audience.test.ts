import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ASSETS_DIR } from '../src/admin/static.js';
import { launchChromium } from '../../react/test/browser/support.js';
import { ADMIN_PASSWORD, AdminHttp, startAdminGateway, type AdminTestGateway } from './support/admin.js';
import { newClient, until } from './support/client.js';

/**
 * The admin page says so before it publishes where no client may subscribe. Here channels without
 * a namespace (the broadcast channel among them) are closed to client subscriptions: only a
 * connection whose token lists the channel receives it.
 */

const CLOSED = { channel: { without_namespace: { allow_subscribe_for_client: false } } };

let gw: AdminTestGateway;
beforeAll(async () => {
  gw = await startAdminGateway({}, CLOSED);
});
afterAll(() => gw.close());

describe('admin: who can receive a publication', () => {
  it('answers, per channel, whether clients may subscribe and how', async () => {
    const admin = await AdminHttp.login(gw.baseUrl);
    const audience = async (channel: string) => (await admin.get(`audience?channel=${encodeURIComponent(channel)}`)).body;
    expect(await audience('broadcast')).toMatchObject({ clientsMaySubscribe: false, how: expect.stringContaining('allow_subscribe_for_client off') });
    expect(await audience('news:today')).toEqual({ channel: 'news:today', clientsMaySubscribe: true, how: 'Any signed-in client.' });
    expect(await audience('notifications:inbox#alice,bob')).toMatchObject({ clientsMaySubscribe: true, how: 'The users named after #: alice, bob.' });
    expect(await audience('$private:room')).toMatchObject({ clientsMaySubscribe: true });
    expect(await audience('nowhere:x')).toMatchObject({ clientsMaySubscribe: false, how: expect.stringContaining('namespace is not configured') });
    expect((await admin.get('audience')).status).toBe(400);
  });

  it('serves its favicon', async () => {
    const icon = await fetch(`${gw.baseUrl}/admin/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await (await fetch(`${gw.baseUrl}/admin/`)).text()).toContain('<link rel="icon" type="image/svg+xml" href="/admin/favicon.svg" />');
  });
});

describe.skipIf(!existsSync(join(DEFAULT_ASSETS_DIR, 'index.html')))('admin page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(() => browser?.close());

  it('warns before a broadcast no client may subscribe to, and sends only when told to', async () => {
    // A server-side subscription from the token: the one way onto a closed channel.
    const client = newClient(gw.url, { token: await gw.token('frank', { channels: ['broadcast'] }) });
    const received: unknown[] = [];
    client.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    await client.ready(3000);

    const page = await (await browser.newContext()).newPage();
    await page.goto(`${gw.baseUrl}/admin/`);
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Publish', exact: true }).click();
    await page.getByLabel('All users').check();
    await page.getByLabel('Data (JSON)').fill('{"n": 1}');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^No client may subscribe to broadcast: channels without a namespace has allow_subscribe_for_client off/);
    await page.getByRole('button', { name: 'Broadcast anyway' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Published to everyone');
    // A marker after it: whatever the first click had sent would have arrived before.
    await gw.api('publish', { channel: 'broadcast', data: { marker: true } });
    await until(() => received.length === 2, 5000, 'the broadcast and the marker');
    expect(received).toEqual([{ n: 1 }, { marker: true }]);
    client.disconnect();
  });
});
