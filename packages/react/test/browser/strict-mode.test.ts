/**
 * The bindings in React's development build under <StrictMode> (effects mount, unmount, mount
 * again), bundled by Vite and run in Chromium against the real gateway: one socket, one
 * subscription shared by two components, and the socket closed when the provider unmounts.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../server/test/support/gateway.js';
import { startFallbackPeer } from '../support/fallback-peer.js';
import { countWebSockets, launchChromium, screenshot, sleep } from './support.js';

let gw: TestGateway;
let browser: Browser;
let server: Server;
let pageUrl: string;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'renum-strict-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: fileURLToPath(new URL('./fixtures', import.meta.url)),
    mode: 'development',
    base: './',
    define: { 'process.env.NODE_ENV': '"development"' },
    resolve: { conditions: ['source'] },
    plugins: [react()],
    build: { outDir, minify: false, emptyOutDir: true },
  });
  server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    try {
      const body = await readFile(join(outDir, path === '/' ? 'index.html' : path));
      response.writeHead(200, { 'Content-Type': TYPES[extname(path) || '.html'] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  gw = await startGateway({}, { echo: async ({ data }) => ({ echoed: (data as { text: string }).text }) });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  server?.close();
});

async function numClients(): Promise<number> {
  const info = await gw.api<{ nodes: Array<{ num_clients: number }> }>('info', {});
  return info.nodes[0]!.num_clients;
}

it('opens one socket and one shared subscription under StrictMode, and closes it on unmount', async () => {
  const page = await browser.newPage();
  const sockets = countWebSockets(page);
  const token = await gw.token('erin');
  for (const text of ['h1', 'h2']) await gw.api('publish', { channel: 'chat:state', data: { text } });
  await gw.api('publish', { channel: 'chat:suspense', data: { text: 's1' } });
  await page.goto(`${pageUrl}?url=${encodeURIComponent(gw.url)}&token=${encodeURIComponent(token)}`);
  await page.waitForSelector('[data-testid=status][data-status=connected][data-users=erin]');
  await page.waitForSelector('[data-testid=feed-a][data-status=subscribed]');
  await page.waitForSelector('[data-testid=feed-b][data-status=subscribed]');
  // React really mounted effects twice (StrictMode is only active in the development build).
  expect(await page.evaluate(() => (window as unknown as { __effectRuns: number }).__effectRuns)).toBe(2);

  await gw.api('publish', { channel: 'chat:strict', data: { text: 'hi' } });
  await page.waitForSelector('[data-testid=feed-a]:text("1")');
  await page.waitForSelector('[data-testid=feed-b]:text("1")');
  await page.click('[data-testid=rpc]');
  await page.waitForSelector('[data-testid=rpc]:text-is("ping")');
  // useChannelState: the history published before the page opened, then live; usePublish over the socket.
  await page.waitForSelector('[data-testid=board][data-ready=true]:text-is("h1,h2")');
  await page.click('[data-testid=publish]');
  await page.waitForSelector('[data-testid=board]:text-is("h1,h2,n3")');
  // useSuspenseChannelState: the fallback until the history is in, then the state, live.
  await page.waitForSelector('[data-testid=suspense-board]:text-is("s1")');
  expect(await page.$('[data-testid=suspense-fallback]')).toBeNull();
  await gw.api('publish', { channel: 'chat:suspense', data: { text: 's2' } });
  await page.waitForSelector('[data-testid=suspense-board]:text-is("s1,s2")');
  // useQuerySync: a publication patches one query and makes the other refetch.
  await page.waitForSelector('[data-testid=query][data-status=subscribed][data-idle=true]', { state: 'attached' });
  const fetchedBefore = Number(await page.getAttribute('[data-testid=query]', 'data-fetched'));
  await gw.api('publish', { channel: 'chat:query', data: { text: 'q1' } });
  await page.waitForSelector('[data-testid=query]:text-is("q1")');
  await page.waitForFunction((before) => Number(document.querySelector('[data-testid=query]')?.getAttribute('data-fetched')) > before, fetchedBefore);
  await screenshot(page, 'strict-mode-connected');
  await sleep(300);
  expect(sockets.count).toBe(1);
  expect(await numClients()).toBe(1);
  const { channels } = await gw.api<{ channels: Record<string, { num_clients: number }> }>('channels', {});
  expect(channels['chat:strict']?.num_clients).toBe(1);
  expect(channels['chat:state']?.num_clients).toBe(1);
  expect(channels['chat:suspense']?.num_clients).toBe(1);

  await page.click('[data-testid=unmount]');
  const deadline = Date.now() + 5000;
  while ((await numClients()) !== 0 && Date.now() < deadline) await sleep(50);
  expect(await numClients()).toBe(0);
  await sleep(500);
  expect(sockets.count).toBe(1);
  await page.close();
}, 40_000);

it('keeps answering server pings after the tab froze for a while: same socket, still live', async () => {
  // A ping every 3 s; a pong missing 2.5 s after it closes the connection (and the SDK would
  // reconnect: a second socket). Centrifugo requires ping_interval > pong_timeout.
  const pinging = await startGateway({ client: { ping_interval: '3s', pong_timeout: '2500ms' } });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const sockets = countWebSockets(page);
    const token = await pinging.token('fern');
    await page.goto(`${pageUrl}?url=${encodeURIComponent(pinging.url)}&token=${encodeURIComponent(token)}`);
    await page.waitForSelector('[data-testid=feed-a][data-status=subscribed]');

    // Headless Chromium keeps every tab visible, and its lifecycle freeze applies to hidden tabs
    // only; pausing the main thread in the debugger is the same for the page: no task runs, and
    // what the socket receives meanwhile waits. Paused for less than the pong timeout, at a ping.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Debugger.enable');
    const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()));
    await cdp.send('Debugger.pause');
    await paused; // the next task the page runs (a ping arriving, at the latest) stops here
    await sleep(1000);
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    // Two more ping periods.
    await sleep(6500);
    await pinging.api('publish', { channel: 'chat:strict', data: { text: 'still there?' } });
    await page.waitForSelector('[data-testid=feed-a]:text("1")');
    expect(await page.getAttribute('[data-testid=status]', 'data-status')).toBe('connected');
    expect(sockets.count).toBe(1);
    const info = await pinging.api<{ nodes: Array<{ num_clients: number }> }>('info', {});
    expect(info.nodes[0]!.num_clients).toBe(1);
  } finally {
    await context.close();
    await pinging.close();
  }
}, 40_000);

it('falls back to HTTP-streaming in Chromium when the upgrade is refused, and reports why to the gateway origin (CORS preflight answered)', async () => {
  const peer = await startFallbackPeer('refuse');
  const page = await browser.newPage();
  try {
    await page.goto(`${pageUrl}?url=${encodeURIComponent(peer.base)}&token=t`);
    await page.waitForSelector('[data-testid=status][data-status=connected][data-transport=http_stream]');
    const deadline = Date.now() + 5000;
    while (peer.reports.length === 0 && Date.now() < deadline) await sleep(50);
    expect(peer.reports).toHaveLength(1);
    // Chromium's WebSocket gives 1006 for an upgrade that never completed.
    expect(peer.reports[0]).toMatchObject({ from: 'websocket', to: 'http_stream', reason: 'transport_closed', code: 1006 });
    expect(peer.preflights).toContain('/connection/fallback');
  } finally {
    await page.close();
    await peer.close();
  }
}, 30_000);
