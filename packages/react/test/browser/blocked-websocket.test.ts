/**
 * The Next.js example in Chromium behind a proxy that refuses every WebSocket upgrade, as some
 * corporate middleboxes and misconfigured ingresses do: the page must fall back to HTTP-streaming
 * on its own, show a run's progress live, and the gateway must hear why it fell back.
 */
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from './next-app.js';
import { freePort, postJson, ROOT, screenshot } from './support.js';

const APP_DIR = join(ROOT, 'examples/nextjs');
const DIST_DIR = `.next-test-blocked-${process.pid}`;

/** Forwards plain HTTP to the gateway and drops every upgrade request unanswered. */
function upgradeRefusingProxy(port: number, gatewayPort: () => number): Promise<{ server: Server; refused: () => number }> {
  let refused = 0;
  const server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: gatewayPort(), path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (_req, socket) => {
    refused++;
    socket.destroy();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, refused: () => refused })));
}

let stack: DemoStack;
let proxy: { server: Server; refused: () => number };

beforeAll(async () => {
  const proxyPort = await freePort();
  let gatewayPort = 0;
  proxy = await upgradeRefusingProxy(proxyPort, () => gatewayPort);
  stack = await startDemoStack(APP_DIR, DIST_DIR, (port) => {
    gatewayPort = port;
    return { NEXT_PUBLIC_WEBSOCKET_URL: `ws://127.0.0.1:${proxyPort}/connection/websocket`, NEXT_PUBLIC_APP_ENV: 'local' };
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  proxy?.server.close();
});

describe('Next.js example with WebSocket blocked', { timeout: 60_000 }, () => {
  it('falls back to HTTP-streaming, shows a run live, and reports why it fell back', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 900, height: 560 } });
    await context.addCookies([{ name: 'demo_user', value: 'alice', url: stack.appUrl }]);
    const page = await context.newPage();
    await page.goto(`${stack.appUrl}/executions/run-blocked`);
    await page.waitForSelector('[data-testid=transport][data-transport=http_stream]', { timeout: 30_000 });
    expect(proxy.refused()).toBeGreaterThan(0);
    const reply = await postJson(`${stack.backEndUrl}/runs`, { id: 'run-blocked', steps: 6, stepDelayMs: 150 });
    expect(reply.status).toBe(201);
    await page.waitForSelector('[data-testid=execution][data-status=completed]', { timeout: 30_000 });
    const steps = await page.$$eval('[data-testid=step-list] li', (items) => items.map((li) => Number(li.getAttribute('data-seq'))));
    expect(steps.length).toBeGreaterThanOrEqual(6);
    expect(new Set(steps).size).toBe(steps.length);
    await screenshot(page, 'blocked-websocket');
    const metrics = await (await fetch(`http://127.0.0.1:${stack.demo.port}/metrics`)).text();
    expect(metrics).toMatch(/realtime_transport_fallbacks_total\{from="websocket",to="http_stream",reason="(transport_closed|timeout|error)"\} [1-9]/);
    expect(metrics).toMatch(/realtime_connections\{transport="http_stream"\} [1-9]/);
    await context.close();
  });
});
