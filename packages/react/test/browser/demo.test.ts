/**
 * The Next.js example, built for production, in the Debian Chromium, against the real gateway
 * (the CLI, so it can be SIGKILLed and restarted on the same port) and the real publisher.
 * One file so that the slow `next build` runs once; tests run in order and share the servers.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextBuild as buildApp, seriousAxeFindings, startDemoStack, type DemoStack } from './next-app.js';
import { countWebSockets, postJson, ROOT, screenshot, sleep } from './support.js';

const APP_DIR = join(ROOT, 'examples/nextjs');
const TOKEN_TTL_SECONDS = 5;
/** This run's own build output, so that concurrent runs and a developer's `next dev` do not collide. */
const DIST_DIR = `.next-test-${process.pid}`;

let stack: DemoStack;
let appUrl: string;
let publisherUrl: string;

const nextBuild = (env: NodeJS.ProcessEnv) => buildApp(APP_DIR, DIST_DIR, env);

beforeAll(async () => {
  stack = await startDemoStack(APP_DIR, DIST_DIR, (port) => ({ NEXT_PUBLIC_WEBSOCKET_URL: `ws://127.0.0.1:${port}/ws`, NEXT_PUBLIC_APP_ENV: 'local' }), {
    REALTIME_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
  });
  ({ appUrl, backEndUrl: publisherUrl } = stack);
}, 240_000);

afterAll(() => stack?.stop());

async function openAs(user: string, path: string, context?: BrowserContext): Promise<{ page: Page; sockets: { readonly count: number }; context: BrowserContext }> {
  const ctx = context ?? (await stack.browser.newContext({ viewport: { width: 900, height: 560 } }));
  await ctx.addCookies([{ name: 'demo_user', value: user, url: appUrl }]);
  const page = await ctx.newPage();
  const sockets = countWebSockets(page);
  await page.goto(`${appUrl}${path}`);
  return { page, sockets, context: ctx };
}

async function startRun(body: Record<string, unknown>): Promise<void> {
  const reply = await postJson(`${publisherUrl}/runs`, body);
  expect(reply.status).toBe(201);
}

async function runLog(id: string): Promise<Array<{ seq: number; type: string; agent_id?: string; event_type: string; data: { step_order?: number } }>> {
  return ((await (await fetch(`${publisherUrl}/runs/${id}/events`)).json()) as { events: any[] }).events;
}

async function renderedSteps(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=step-list] li', (items) => items.map((li) => Number(li.getAttribute('data-seq'))));
}

async function waitForStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`[data-testid=execution][data-status=${status}]`, { timeout });
}

describe('Next.js example in Chromium', { timeout: 60_000 }, () => {
  it('shows a run advancing live and ending completed', async () => {
    const { page, sockets, context } = await openAs('alice', '/executions/run-ok');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    await startRun({ id: 'run-ok', steps: 6, stepDelayMs: 250, notifyUser: 'alice' });
    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      seen.add(Number(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')));
      if ((await page.getAttribute('[data-testid=execution]', 'data-status')) === 'completed') break;
      if (seen.size === 3) await screenshot(page, 'execution-running');
      await sleep(50);
    }
    expect(await page.getAttribute('[data-testid=execution]', 'data-status')).toBe('completed');
    // Intermediate values were rendered, not only the end state.
    expect([...seen].filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(2);
    expect(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')).toBe('100');
    const steps = (await runLog('run-ok')).filter((e) => e.type === 'step_update').map((e) => e.seq);
    expect(await renderedSteps(page)).toEqual(steps);
    expect(steps).toHaveLength(12);
    expect(await page.getAttribute('[data-testid=transport]', 'data-transport')).toBe('websocket');
    await screenshot(page, 'execution-completed');
    // The run's end notification reaches the bell live.
    await page.waitForSelector('[data-testid=unread-count]:text-is("1")');
    await page.click('[data-testid=bell]');
    await page.waitForSelector('[data-testid=notification][data-read=false]:has-text("Run run-ok completed")');
    await screenshot(page, 'demo-readme');
    expect(await seriousAxeFindings(page), 'axe on the execution page with the inbox open').toEqual([]);
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/demo.png') });
    expect(sockets.count).toBe(1);
    await context.close();
  });

  it('shows the error of a failed run', async () => {
    await startRun({ id: 'run-fail', steps: 6, failAt: 3, stepDelayMs: 100 });
    const { page, context } = await openAs('alice', '/executions/run-fail');
    await waitForStatus(page, 'failed');
    expect(await page.textContent('[data-testid=execution-errors]')).toContain('writer could not finish step 3: tool "web_search" timed out');
    expect(await page.textContent('[data-testid=step-list] li:last-child')).toContain('step 3: failed');
    await screenshot(page, 'execution-failed');
    await context.close();
  });

  it('catches up after the gateway is killed and restarted, without gap, duplicate or reload', async () => {
    const { page, context } = await openAs('alice', '/executions/run-restart');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await startRun({ id: 'run-restart', steps: 12, stepDelayMs: 200 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=step-list] li').length >= 3);

    stack.gateway.child.kill('SIGKILL');
    await stack.gateway.exited;
    const banner = await page.waitForSelector('[data-testid=connection-banner][data-state=reconnecting]', { timeout: 10_000 });
    await page.waitForFunction(() => /Attempt \d+/.test(document.querySelector('[data-testid=connection-banner]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    expect(await banner.textContent()).toContain('Reconnecting');
    await screenshot(page, 'reconnecting');
    const stepsBeforeRestart = (await renderedSteps(page)).length;
    await sleep(1500); // the publisher keeps producing (and retrying) while the gateway is down
    stack.gateway = await stack.demo.start();

    await waitForStatus(page, 'completed', 40_000);
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    const log = await runLog('run-restart');
    const expected = log.filter((e) => e.type === 'step_update').map((e) => e.seq);
    const rendered = await renderedSteps(page);
    expect(rendered).toEqual(expected);
    expect(new Set(rendered).size).toBe(rendered.length);
    expect(rendered.length).toBeGreaterThan(stepsBeforeRestart);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, 'caught-up');
    await context.close();
  }, 90_000);

  it('shows a notification sent while the page was closed, unread, when it opens', async () => {
    const sent = await postJson(`${publisherUrl}/notifications`, { user: 'carol', type: 'report', title: 'Weekly report ready', body: 'Sent while you were away.' });
    expect(sent.status).toBe(200);
    const { page, context } = await openAs('carol', '/');
    await page.waitForSelector('[data-testid=unread-count]:text-is("1")');
    await page.click('[data-testid=bell]');
    const item = await page.waitForSelector('[data-testid=notification]:has-text("Weekly report ready")');
    expect(await item.getAttribute('data-read')).toBe('false');
    expect(await seriousAxeFindings(page), 'axe on the home page with the inbox open').toEqual([]);
    await screenshot(page, 'notification-unread');
    await context.close();
  });

  it('updates the unread counter of a second tab when the first marks read or dismisses', async () => {
    const first = await openAs('frank', '/');
    const second = await openAs('frank', '/executions/none', first.context);
    for (const tab of [first.page, second.page]) await tab.waitForSelector('[data-testid=unread-count]:text-is("0")');
    for (const title of ['Deploy finished', 'Invoice paid', 'New comment']) {
      expect((await postJson(`${publisherUrl}/notifications`, { user: 'frank', type: 'demo', title })).status).toBe(200);
    }
    // Sent while both tabs are open: both count them live.
    for (const tab of [first.page, second.page]) await tab.waitForSelector('[data-testid=unread-count]:text-is("3")');

    await first.page.click('[data-testid=bell]');
    await second.page.click('[data-testid=bell]');
    await first.page.click('[data-testid=notification]:has-text("Invoice paid") >> text=Mark read');
    await second.page.waitForSelector('[data-testid=unread-count]:text-is("2")');
    await second.page.waitForSelector('[data-testid=notification][data-read=true]:has-text("Invoice paid")');
    // Read and unread look different: the nav's link style does not leak into the inbox.
    const weight = (title: string) => second.page.$eval(`[data-testid=notification]:has-text("${title}") .title`, (el) => getComputedStyle(el).fontWeight);
    expect(Number(await weight('New comment'))).toBeGreaterThan(Number(await weight('Invoice paid')));
    await screenshot(second.page, 'notification-second-tab-after-mark-read');

    await first.page.click('[data-testid=notification]:has-text("Deploy finished") >> text=Dismiss');
    await second.page.waitForSelector('[data-testid=notification]:has-text("Deploy finished")', { state: 'detached' });
    await second.page.waitForSelector('[data-testid=unread-count]:text-is("1")');

    await first.page.click('text=Mark all read');
    await second.page.waitForSelector('[data-testid=unread-count]:text-is("0")');
    await screenshot(second.page, 'notification-second-tab-all-read');
    expect(first.sockets.count).toBe(1);
    expect(second.sockets.count).toBe(1);
    await first.context.close();
  });

  it('shows the offline banner while the browser is offline, and reconnects when it is back', async () => {
    const { page, context } = await openAs('gina', '/');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    await context.setOffline(true);
    const banner = await page.waitForSelector('[data-testid=connection-banner][data-state=offline]', { timeout: 10_000 });
    expect(await banner.textContent()).toContain('You are offline');
    await screenshot(page, 'offline');
    await context.setOffline(false);
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'), undefined, { timeout: 15_000 });
    await context.close();
  }, 30_000);

  it('refreshes an expired token without the user noticing', async () => {
    const { page, sockets, context } = await openAs('dave', '/');
    let tokenRequests = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/realtime-token')) tokenRequests++;
    });
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    // Record any banner the user could have seen while the token expires and is renewed.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { __banners: string[] }).__banners = []);
      new MutationObserver(() => {
        const state = document.querySelector('[data-testid=connection-banner]')?.getAttribute('data-state');
        if (state) seen.push(state);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await sleep(TOKEN_TTL_SECONDS * 2 * 1000 + 1500);
    expect(tokenRequests).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => (window as unknown as { __banners: string[] }).__banners)).toEqual([]);
    // Still live on the same socket after the refreshes: a notification sent now shows up.
    expect((await postJson(`${publisherUrl}/notifications`, { user: 'dave', type: 'demo', title: 'Still live' })).status).toBe(200);
    await page.waitForSelector('[data-testid=unread-count]:text-is("1")');
    expect(sockets.count).toBe(1);
    await context.close();
  }, 40_000);

  it('shows a revoked user a clear refusal, with one socket per tab and no reconnect storm', async () => {
    const { page, sockets, context } = await openAs('mallory', '/');
    await page.waitForFunction(() => !document.querySelector('[data-testid=connection-banner]'));
    const reply = await postJson(`${appUrl}/api/demo/revoke`, { user: 'mallory' });
    expect(reply.status).toBe(200);
    const banner = await page.waitForSelector('[data-testid=connection-banner][data-state=refused]', { timeout: 10_000 });
    expect(await banner.textContent()).toContain('access revoked');
    expect(await banner.textContent()).toContain('code 3503');
    await screenshot(page, 'revoked');
    await sleep(3000);
    expect(sockets.count).toBe(1);

    // A new tab of the revoked user: the token route refuses, the client stops before opening a socket.
    const second = await context.newPage();
    const secondSockets = countWebSockets(second);
    await second.goto(`${appUrl}/`);
    const refused = await second.waitForSelector('[data-testid=connection-banner][data-state=refused]', { timeout: 10_000 });
    expect(await refused.textContent()).toContain('not allowed to connect');
    await sleep(2000);
    expect(secondSockets.count).toBeLessThanOrEqual(1);
    await screenshot(second, 'refused-new-tab');
    await context.close();
  }, 30_000);

  it('fails a production build without NEXT_PUBLIC_WEBSOCKET_URL, naming the variable', () => {
    const missing = nextBuild({});
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('NEXT_PUBLIC_WEBSOCKET_URL is not set');
    const localhost = nextBuild({ NEXT_PUBLIC_WEBSOCKET_URL: 'ws://localhost:8000/ws' });
    expect(localhost.code).not.toBe(0);
    expect(localhost.output).toContain('points at localhost in a production build');
  }, 60_000);
});
