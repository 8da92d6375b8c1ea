import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/run.js';
import { follow, once, until } from './support/client.js';
import { newFallbackClient } from './support/fallback.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { nginxInstalled, readmeNginxConfig, startNginx, type Nginx } from './support/nginx.js';

let gw: TestGateway;
const FULL = ['websocket', 'http_stream', 'sse'] as const;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

async function connectedOver(client: Centrifuge): Promise<string> {
  const connected = once<{ transport: string }>(client, 'connected', 10_000);
  client.connect();
  return (await connected).transport;
}

/** A client through the proxy receives a publication made through the API. */
async function receivesThrough(client: Centrifuge, channel: string): Promise<void> {
  const { data } = await follow(client, channel);
  await gw.api('publish', { channel, data: { via: 'nginx' } });
  await until(() => data.length === 1, 5000, 'publication through nginx');
  expect(data).toEqual([{ via: 'nginx' }]);
}

describe.skipIf(!nginxInstalled)('behind a real nginx', () => {
  describe("with the README's documented config", () => {
    let nginx: Nginx;
    beforeAll(async () => {
      nginx = await startNginx(readmeNginxConfig(), gw.gateway.port);
    });
    afterAll(() => nginx?.stop());

    it('passes the WebSocket upgrade: the SDK connects over websocket', async () => {
      const client = newFallbackClient(`http://127.0.0.1:${nginx.port}`, FULL, { token: await gw.token('nginx-ws') });
      expect(await connectedOver(client)).toBe('websocket');
      await receivesThrough(client, 'news:nginx-ws');
      client.disconnect();
    });

    it.each(['http_stream', 'sse'] as const)('passes %s unbuffered, commands through /emulation included', async (transport) => {
      const client = newFallbackClient(`http://127.0.0.1:${nginx.port}`, [transport], { token: await gw.token(`nginx-${transport}`) });
      expect(await connectedOver(client)).toBe(transport);
      await receivesThrough(client, `news:nginx-${transport}`);
      client.disconnect();
    });

    it('doctor finds every transport working through it', async () => {
      const report = await runDoctor({ url: `ws://127.0.0.1:${nginx.port}/connection/websocket`, token: await gw.token('doctor'), pingWaitMs: 100 });
      expect(report.transports.map((t) => [t.transport, t.status])).toEqual([['websocket', 'pass'], ['http_stream', 'pass'], ['sse', 'pass']]);
    });
  });

  describe('with a config that drops the Upgrade and Connection headers', () => {
    let nginx: Nginx;
    beforeAll(async () => {
      const stripped = readmeNginxConfig().replace(/^.*proxy_set_header (Upgrade|Connection "upgrade").*\n/gm, '');
      expect(stripped).not.toContain('$http_upgrade');
      nginx = await startNginx(stripped, gw.gateway.port);
    });
    afterAll(() => nginx?.stop());

    it('makes the SDK fall back to http_stream, where it still gets live publications', async () => {
      const client = newFallbackClient(`http://127.0.0.1:${nginx.port}`, FULL, { token: await gw.token('nginx-fallback') });
      const failed: string[] = [];
      client.on('error', (ctx) => ctx.transport && failed.push(ctx.transport));
      expect(await connectedOver(client)).toBe('http_stream');
      expect(failed).toContain('websocket');
      await receivesThrough(client, 'news:nginx-fallback');
      client.disconnect();
    });

    it('doctor names the missing headers and the transport that still works', async () => {
      const report = await runDoctor({ url: `ws://127.0.0.1:${nginx.port}/connection/websocket`, token: await gw.token('doctor'), timeoutMs: 3000 });
      const upgrade = report.steps.find((s) => s.id === 'upgrade')!;
      expect(upgrade).toMatchObject({ status: 'fail', problem: 'upgrade_headers_dropped' });
      expect(upgrade.cause).toContain('does not forward the Upgrade and Connection headers');
      expect(upgrade.fix).toContain('proxy_set_header Upgrade $http_upgrade;');
      expect(report.transports.map((t) => [t.transport, t.status])).toEqual([['websocket', 'fail'], ['http_stream', 'pass'], ['sse', 'pass']]);
      expect(report.transports[0]!.problem).toBe('upgrade_headers_dropped');
    });
  });
});
