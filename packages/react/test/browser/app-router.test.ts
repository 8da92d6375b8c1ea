/**
 * The App Router example (examples/nextjs-app), built for production, in Chromium, against the
 * demo gateway and publisher: Server Components render the run and the inbox from the server
 * API, the client components take over with no flash and no event twice, a gap the gateway
 * cannot recover (`recovered: false`) makes the page refetch, and axe finds nothing serious.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../../server/test/support/gateway.js';
import { API_KEY, nextBuild, seriousAxeFindings, startDemoStack, type DemoStack } from './next-app.js';
import { countWebSockets, postJson, ROOT, screenshot, sleep } from './support.js';

const APP_DIR = join(ROOT, 'examples/nextjs-app');
const DIST_DIR = `.next-test-${process.pid}`;

let stack: DemoStack;
let appUrl: string;
let publisherUrl: string;

beforeAll(async () => {
  // The demo config serves WebSocket at /ws (websocket.handler_prefix); a ws(s):// value keeps
  // that path and puts the HTTP-streaming and SSE endpoints beside it, at Centrifugo's paths.
  stack = await startDemoStack(APP_DIR, DIST_DIR, (port) => ({ NEXT_PUBLIC_REALTIME_URL: `http://127.0.0.1:${port}`, NEXT_PUBLIC_APP_ENV: 'local' }));
  ({ appUrl, backEndUrl: publisherUrl } = stack);
}, 240_000);

afterAll(() => stack?.stop());

type LoggedEvent = { seq: number; type: string };

async function runLog(id: string): Promise<LoggedEvent[]> {
  const reply = await fetch(`${publisherUrl}/runs/${id}/events`);
  return reply.status === 200 ? ((await reply.json()) as { events: LoggedEvent[] }).events : [];
}

const stepSeqs = async (id: string) => (await runLog(id)).filter((e) => e.type === 'step_update').map((e) => e.seq);

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function renderedSteps(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=step-list] li', (items) => items.map((li) => Number(li.getAttribute('data-seq'))));
}

async function openAs(user: string, path: string): Promise<{ page: Page; context: BrowserContext; sockets: { readonly count: number }; eventReloads: () => number }> {
  const context = await stack.browser.newContext({ viewport: { width: 900, height: 600 } });
  await context.addCookies([{ name: 'demo_user', value: user, url: appUrl }]);
  const page = await context.newPage();
  const sockets = countWebSockets(page);
  let reloads = 0;
  page.on('request', (request) => {
    if (/\/api\/executions\/[^/]+\/events$/.test(new URL(request.url()).pathname)) reloads++;
  });
  // From the first parse on: the fewest steps the page ever showed after the server-rendered ones.
  await page.addInitScript(() => {
    const w = window as unknown as { __ssrSteps: number; __fewestSteps: number };
    const count = () => document.querySelectorAll('[data-testid=step-list] li').length;
    document.addEventListener('DOMContentLoaded', () => {
      w.__ssrSteps = w.__fewestSteps = count();
      new MutationObserver(() => (w.__fewestSteps = Math.min(w.__fewestSteps, count()))).observe(document.body, { subtree: true, childList: true });
    });
  });
  await page.goto(`${appUrl}${path}`);
  return { page, context, sockets, eventReloads: () => reloads };
}

describe('App Router example in Chromium', { timeout: 90_000 }, () => {
  it('renders a running run on the server, then goes live without a flash, a reload or a duplicate', async () => {
    expect((await postJson(`${publisherUrl}/runs`, { id: 'app-live', steps: 8, stepDelayMs: 300 })).status).toBe(201);
    await until(async () => (await stepSeqs('app-live')).length >= 4, 'four logged steps');

    const html = await (await fetch(`${appUrl}/executions/app-live`, { headers: { cookie: 'demo_user=hana' } })).text();
    expect(html).toContain('<html lang="en"');
    const ssrSeqs = [...html.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ssrSeqs.length).toBeGreaterThanOrEqual(4);

    const { page, context, sockets, eventReloads } = await openAs('hana', '/executions/app-live');
    expect(await page.evaluate(() => (window as unknown as { __ssrSteps: number }).__ssrSteps)).toBeGreaterThanOrEqual(4);
    await page.waitForSelector('[data-testid=execution][data-status=completed]', { timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    const expected = await stepSeqs('app-live');
    expect(await renderedSteps(page)).toEqual(expected);
    expect(expected).toHaveLength(16);
    const shown = await page.evaluate(() => window as unknown as { __ssrSteps: number; __fewestSteps: number });
    // Hydration and the first subscribe never took the server-rendered steps away.
    expect(shown.__fewestSteps).toBe(shown.__ssrSteps);
    // Subscribed from the rendered position: recovered, nothing to reload.
    expect(eventReloads()).toBe(0);
    expect(sockets.count).toBe(1);
    expect(await page.textContent('[data-testid=transport]')).toBe('live over WebSocket');
    expect(await seriousAxeFindings(page), 'axe on the execution page').toEqual([]);
    await screenshot(page, 'app-router-execution');
    await context.close();
  });

  it('refetches the run when the gateway cannot recover what was missed (recovered: false)', async () => {
    expect((await postJson(`${publisherUrl}/runs`, { id: 'app-gap', steps: 10, stepDelayMs: 250 })).status).toBe(201);
    const { page, context, eventReloads } = await openAs('ivan', '/executions/app-gap');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=step-list] li').length >= 3);
    const reloadsBefore = eventReloads();
    await context.setOffline(true);
    await page.waitForSelector('[data-testid=connection-banner][data-state=offline]', { timeout: 10_000 });
    const seenOffline = (await renderedSteps(page)).length;
    await until(async () => (await stepSeqs('app-gap')).length >= seenOffline + 2, 'two steps missed while offline');
    // The missed publications are gone from the gateway: it cannot recover them.
    await callApi(stack.demo.apiUrl, 'history_remove', { channel: 'execution:app-gap' }, API_KEY);
    await context.setOffline(false);
    await page.waitForSelector('[data-testid=execution][data-status=completed]', { timeout: 40_000 });
    await until(async () => JSON.stringify(await renderedSteps(page)) === JSON.stringify(await stepSeqs('app-gap')), 'every step, once');
    expect(eventReloads()).toBeGreaterThan(reloadsBefore);
    await context.close();
  });

  it('renders the inbox on the server and keeps it live; read and unread look different', async () => {
    for (const title of ['Report ready', 'Build failed']) {
      expect((await postJson(`${publisherUrl}/notifications`, { user: 'jade', type: 'demo', title, body: `${title}.` })).status).toBe(200);
    }
    const html = await (await fetch(`${appUrl}/inbox`, { headers: { cookie: 'demo_user=jade' } })).text();
    expect(html).toContain('Report ready');
    expect(html).toContain('data-testid="inbox-unread">2<');

    const { page, context } = await openAs('jade', '/inbox');
    expect(await page.getAttribute('[data-testid=inbox-page]', 'data-loading')).toBe('false');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    await page.click('[data-testid=inbox-page] [data-testid=notification]:has-text("Report ready") >> text=Mark read');
    await page.waitForSelector('[data-testid=inbox-page] [data-testid=notification][data-read=true]:has-text("Report ready")');
    await page.waitForSelector('[data-testid=inbox-unread]:text-is("1")');
    const weight = (title: string) => page.$eval(`[data-testid=inbox-page] [data-testid=notification]:has-text("${title}") .title`, (el) => getComputedStyle(el).fontWeight);
    expect(Number(await weight('Build failed'))).toBeGreaterThan(Number(await weight('Report ready')));

    expect((await postJson(`${publisherUrl}/notifications`, { user: 'jade', type: 'demo', title: 'Sent just now' })).status).toBe(200);
    await page.waitForSelector('[data-testid=inbox-page] [data-testid=notification]:has-text("Sent just now")');
    await page.waitForSelector('[data-testid=unread-count]:text-is("2")');
    expect(await seriousAxeFindings(page), 'axe on the inbox').toEqual([]);
    await screenshot(page, 'app-router-inbox');

    await page.click('text=Renum Realtime demo');
    await page.waitForSelector('text=Agent team runs');
    expect(await seriousAxeFindings(page), 'axe on the home page').toEqual([]);
    await context.close();
  });

  it('fails a production build without NEXT_PUBLIC_REALTIME_URL, naming the variable', () => {
    const missing = nextBuild(APP_DIR, `${DIST_DIR}-missing`, {});
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('NEXT_PUBLIC_REALTIME_URL is not set');
  });
});
