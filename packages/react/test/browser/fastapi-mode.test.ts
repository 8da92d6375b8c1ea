/**
 * The Next.js example in FastAPI mode (NEXT_PUBLIC_REALTIME_BACKEND=fastapi), built for
 * production, in Chromium, next to examples/fastapi under a real uvicorn and a gateway with that
 * example's config: the browser logs in with the back end's cookie, connects with no token
 * through the connect proxy, starts a run with the `runs.start` RPC and follows it on
 * `execution:<run>`, which the subscribe proxy keeps from any other user.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextBuild, seriousAxeFindings, startDemoStack, type DemoStack } from './next-app.js';
import { countWebSockets, ROOT, screenshot, sleep } from './support.js';

const APP_DIR = join(ROOT, 'examples/nextjs');
const DIST_DIR = `.next-test-fastapi-${process.pid}`;

let stack: DemoStack;
/** The run alice starts in the first test, which bob then tries to follow. */
let aliceRun = '';

beforeAll(async () => {
  stack = await startDemoStack(APP_DIR, DIST_DIR, (port) => ({ NEXT_PUBLIC_WEBSOCKET_URL: `ws://127.0.0.1:${port}/ws`, NEXT_PUBLIC_APP_ENV: 'local' }), {}, 'fastapi');
}, 240_000);

afterAll(() => stack?.stop());

/** A fresh browser profile that logs in through the page's form; `frames` collects what its sockets send. */
async function logInAs(user: string): Promise<{ page: Page; context: BrowserContext; sockets: { readonly count: number }; frames: string[] }> {
  const context = await stack.browser.newContext({ viewport: { width: 900, height: 560 } });
  const page = await context.newPage();
  const sockets = countWebSockets(page);
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framesent', (frame) => frames.push(String(frame.payload))));
  await page.goto(stack.appUrl);
  await page.waitForSelector('[data-testid=login]');
  // Signed out, the page opens no socket: the connect proxy would only refuse it.
  expect(sockets.count).toBe(0);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', `${user}-password`);
  await page.click('button:has-text("Sign in")');
  await page.waitForSelector(`[data-testid=signed-in-user]:text-is("signed in as ${user}")`);
  await page.waitForSelector('[data-testid=transport][data-transport=websocket]');
  return { page, context, sockets, frames };
}

async function runLog(id: string, context: BrowserContext): Promise<Array<{ seq: number; type: string }>> {
  const cookie = (await context.cookies(stack.appUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
  const reply = await fetch(`${stack.backEndUrl}/runs/${id}`, { headers: { Cookie: cookie } });
  expect(reply.status).toBe(200);
  return ((await reply.json()) as { events: Array<{ seq: number; type: string }> }).events;
}

describe('Next.js example in FastAPI mode, in Chromium', { timeout: 60_000 }, () => {
  it('logs in with the back end\'s cookie, connects with no token, starts a run over RPC and shows its progress live to the end', async () => {
    const { page, context, sockets, frames } = await logInAs('alice');
    const connect = JSON.parse(frames.find((frame) => frame.includes('"connect"'))!.split('\n')[0]!);
    expect(connect.connect).toBeDefined();
    expect(connect.connect.token).toBeUndefined();
    // The session cookie is the back end's, HttpOnly: the page's scripts never see it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('renum_session');

    await page.click('button:has-text("Start a run")');
    await page.waitForURL(/\/executions\/[a-f0-9]+$/);
    aliceRun = page.url().split('/').pop()!;
    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      seen.add(Number(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')));
      if ((await page.getAttribute('[data-testid=execution]', 'data-status')) === 'completed') break;
      await sleep(50);
    }
    expect(await page.getAttribute('[data-testid=execution]', 'data-status')).toBe('completed');
    expect([...seen].filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(2);
    expect(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')).toBe('100');
    const steps = (await runLog(aliceRun, context)).filter((e) => e.type === 'step_update').map((e) => e.seq);
    expect(steps).toHaveLength(6);
    expect(await page.$$eval('[data-testid=step-list] li', (items) => items.map((li) => Number(li.getAttribute('data-seq'))))).toEqual(steps);
    // The back end's run-finished notification reaches the bell over the same connection.
    await page.waitForSelector('[data-testid=unread-count]:text-is("1")');
    await page.click('[data-testid=bell]');
    await page.waitForSelector(`[data-testid=notification][data-read=false]:has-text("Run finished")`);
    await screenshot(page, 'fastapi-run-completed');
    expect(await seriousAxeFindings(page), 'axe on the run page with the inbox open').toEqual([]);
    expect(sockets.count).toBe(1);
    // Its link is the back end's /runs/<id>, which the app redirects to the run page.
    await page.click('[data-testid=notification] a:has-text("Run finished")');
    await page.waitForURL(`${stack.appUrl}/executions/${aliceRun}`);
    await page.waitForSelector('[data-testid=execution][data-status=completed]');

    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('[data-testid=login]');
    expect(await page.evaluate(async () => (await fetch('/backend/me')).status)).toBe(401);
    await context.close();
  });

  it('does not let another user follow that run', async () => {
    expect(aliceRun).not.toBe('');
    const { page, context } = await logInAs('bob');
    await page.goto(`${stack.appUrl}/executions/${aliceRun}`);
    const refused = await page.waitForSelector('[data-testid=execution-refused]');
    expect(await refused.textContent()).toContain('permission denied (code 403)');
    // Neither the channel nor the back end's log showed bob anything of alice's run.
    expect(await page.getAttribute('[data-testid=execution]', 'data-status')).toBe('waiting');
    expect(await page.$$('[data-testid=step-list] li')).toHaveLength(0);
    const log = await page.evaluate(async (id) => (await fetch(`/backend/runs/${id}`)).status, aliceRun);
    expect(log).toBe(403);
    await screenshot(page, 'fastapi-run-refused');
    await context.close();
  });

  it('refuses a wrong password on the page, and opens no socket', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const sockets = countWebSockets(page);
    await page.goto(stack.appUrl);
    await page.fill('input[name=user]', 'alice');
    await page.fill('input[name=password]', 'guess');
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('[role=alert]:has-text("wrong user or password")');
    expect(await seriousAxeFindings(page), 'axe on the login form').toEqual([]);
    expect(sockets.count).toBe(0);
    await context.close();
  });

  it('fails a build with an unknown NEXT_PUBLIC_REALTIME_BACKEND, naming the values it takes', () => {
    const typo = nextBuild(APP_DIR, `${DIST_DIR}-typo`, { NEXT_PUBLIC_WEBSOCKET_URL: 'ws://127.0.0.1:8000/ws', NEXT_PUBLIC_APP_ENV: 'local', NEXT_PUBLIC_REALTIME_BACKEND: 'fast-api' });
    expect(typo.code).not.toBe(0);
    expect(typo.output).toContain('NEXT_PUBLIC_REALTIME_BACKEND is "fast-api": set publisher or fastapi');
  });
});
