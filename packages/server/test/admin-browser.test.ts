import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Centrifuge } from 'centrifuge';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ASSETS_DIR } from '../src/admin/static.js';
import { ROOT, launchChromium, screenshot, SCREENSHOTS } from '../../react/test/browser/support.js';
import { ADMIN_PASSWORD, startAdminGateway, type AdminTestGateway } from './support/admin.js';
import { collect, newClient, once, until } from './support/client.js';
import { RawClient } from './support/raw-client.js';

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core in the page; serious and critical violations fail the test, named by rule and element. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function show(page: Page, view: string, heading: string): Promise<void> {
  await page.getByRole('link', { name: heading, exact: true }).click();
  await page.waitForURL(`**/admin/#/${view}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function checkView(page: Page, name: string): Promise<void> {
  expect(await accessibilityProblems(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, `admin-${name}`);
}

describe.skipIf(!existsSync(join(DEFAULT_ASSETS_DIR, 'index.html')))('admin dashboard in Chromium', () => {
  let gw: AdminTestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const clients: Centrifuge[] = [];

  beforeAll(async () => {
    gw = await startAdminGateway({ loginAttemptsBeforeBackoff: 2, sampleIntervalMs: 500 });
    browser = await launchChromium();
    // axe is injected with page.evaluate; bypassCSP lets it run under the page's strict CSP.
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await browser?.close();
    await gw?.close();
  });

  /** A real client, optionally subscribed to one channel; `received` collects its publications. */
  const connect = async (user: string, channel?: string): Promise<{ client: Centrifuge; received: unknown[] }> => {
    const client = newClient(gw.url, { token: await gw.token(user) });
    const sub = channel ? client.newSubscription(channel) : undefined;
    const received = sub ? collect(sub) : [];
    sub?.subscribe();
    client.connect();
    await client.ready(3000);
    await sub?.ready(3000);
    clients.push(client);
    return { client, received };
  };

  it('runs under its own Content-Security-Policy without violations', async () => {
    const strict = await browser.newContext();
    try {
      const plain = await strict.newPage();
      await plain.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { cspViolations: string[] }).cspViolations = seen;
        document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      await plain.goto(`${gw.baseUrl}/admin/`);
      await plain.getByLabel('Admin password').waitFor();
      expect(await plain.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('refuses a wrong password, then throttles, then lets the right one in', async () => {
    await page.goto(`${gw.baseUrl}/admin/`);
    const password = page.getByLabel('Admin password');
    await password.waitFor();
    expect(await accessibilityProblems(page), 'axe on login').toEqual([]);
    for (let attempt = 0; attempt < 2; attempt++) {
      await password.fill(`not-it-${attempt}`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong password.');
      await page.getByRole('button', { name: 'Log in' }).isEnabled();
    }
    await password.fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Too many failed attempts\. Try again in \d+ seconds\.$/);
    await screenshot(page, 'admin-login-throttled');
    await page.waitForTimeout(1100);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  });

  it('shows three connected clients in the overview and the connections table', async () => {
    await connect('alice', 'broadcast');
    await connect('bob', 'chat:room');
    await connect('carol');
    await expect.poll(() => page.getByTestId('stat-connections').textContent(), { timeout: 10_000 }).toBe('3');
    expect(await page.getByTestId('stat-users').textContent()).toBe('3');
    // Some traffic for the live chart (samples every 500 ms here), so the screenshot shows lines.
    for (let n = 0; n < 8; n++) {
      await gw.api('publish', { channel: 'broadcast', data: { n } });
      await gw.api('publish', { channel: 'chat:room', data: { n } });
      await new Promise((r) => setTimeout(r, 250));
    }
    await expect.poll(() => page.locator('polyline.chart-in').getAttribute('points'), { timeout: 10_000 }).toMatch(/ /);
    await checkView(page, 'overview');
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOTS) copyFileSync(join(SCREENSHOTS, 'admin-overview.png'), join(ROOT, 'docs/admin-overview.png'));

    await show(page, 'connections', 'Connections');
    await expect.poll(() => page.getByTestId('connection-count').textContent()).toBe('3');
    await page.getByLabel('User').fill('bo');
    await expect.poll(() => page.getByTestId('connection-count').textContent()).toBe('1');
    await page.getByLabel('User').fill('');
    await expect.poll(() => page.getByTestId('connection-count').textContent()).toBe('3');
    await checkView(page, 'connections');
  });

  it('disconnects a client from the table with the chosen code', async () => {
    const { client: dave } = await connect('dave');
    const closed = once<{ code: number; reason: string }>(dave, 'disconnected');
    await page.getByLabel('User').fill('dave');
    await expect.poll(() => page.getByTestId('connection-count').textContent()).toBe('1');
    await page.getByRole('button', { name: /^Show details of / }).click();
    await page.getByLabel('Close code').selectOption('4999');
    await checkView(page, 'connection-details');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    expect((await closed).code).toBe(4999);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('with code 4999');
    await page.getByLabel('User').fill('');
  });

  it('publishes a broadcast from the page that a subscribed client receives, after refusing bad JSON', async () => {
    const { received } = await connect('erin', 'broadcast');
    await show(page, 'publish', 'Publish');
    await page.getByLabel('All users').check();
    const data = page.getByLabel('Data (JSON)');
    await data.fill('{"text": "maintenance at 22:00",}');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    await expect.poll(() => data.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#publish-data-problem').textContent()).toMatch(/^Not valid JSON/);
    await checkView(page, 'publish-invalid');
    await data.fill('{"text": "maintenance at 22:00"}');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    await until(() => received.length === 1, 5000, 'the broadcast');
    expect(received).toEqual([{ text: 'maintenance at 22:00' }]);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Published to everyone');
    await checkView(page, 'publish');
  });

  it('lists a connection refused for its origin in rejections, with the origin', async () => {
    await expect(RawClient.open(gw.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await show(page, 'rejections', 'Rejections');
    const row = page.getByRole('row').filter({ hasText: 'origin_not_allowed' });
    await expect.poll(() => row.first().textContent(), { timeout: 10_000 }).toContain('https://evil.example');
    await checkView(page, 'rejections');
  });

  it('shows the transport fallbacks clients reported, by transport pair and reason', async () => {
    const report = { from: 'websocket', to: 'http_stream', reason: 'timeout', elapsed_ms: 5200 };
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${gw.gateway.baseUrl}/connection/fallback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
      expect(response.status).toBe(204);
    }
    await show(page, 'transports', 'Transports');
    const row = page.getByRole('row').filter({ hasText: 'did not open in time' });
    await expect.poll(() => row.first().textContent(), { timeout: 10_000 }).toContain('http_stream');
    expect(await row.first().textContent()).toContain('5.2 s');
    expect(await (await fetch(`${gw.gateway.baseUrl}/metrics`)).text()).toContain('realtime_transport_fallbacks_total{from="websocket",to="http_stream",reason="timeout"} 2');
    await checkView(page, 'transports');
  });

  it('shows channels, notify, config and a phone-width layout without accessibility violations', async () => {
    await show(page, 'channels', 'Channels');
    await page.getByRole('button', { name: 'Inspect chat:room' }).click();
    await page.getByRole('heading', { name: 'Channel chat:room' }).waitFor();
    await checkView(page, 'channels');
    await show(page, 'notify', 'Notify');
    await page.getByText('The notification inbox is not enabled').waitFor();
    await checkView(page, 'notify');
    await show(page, 'config', 'Config');
    await expect.poll(() => page.getByLabel('Resolved configuration').textContent()).toContain('"hmac_secret_key": "<redacted>"');
    await checkView(page, 'config');
    await page.setViewportSize({ width: 390, height: 844 });
    await show(page, 'overview', 'Overview');
    await page.getByTestId('stat-connections').waitFor();
    await checkView(page, 'overview-phone');
  });
});
