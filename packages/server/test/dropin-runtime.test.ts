import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newClient, once, until } from './support/client.js';
import { startGateway } from './support/gateway.js';
import { hasOpenssl, TestPki } from './support/pki.js';

describe('Centrifugo keys honoured at run time', () => {
  it('health.enabled serves Centrifugo\'s /health; off, the path is not found', async () => {
    const on = await startGateway({ health: { enabled: true } });
    const off = await startGateway();
    try {
      const health = await fetch(`${on.gateway.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({});
      expect((await fetch(`${off.gateway.baseUrl}/health`)).status).toBe(404);
    } finally {
      await on.close();
      await off.close();
    }
  });

  it('websocket.compression negotiates permessage-deflate, delivers intact, and bounds what inflates', async () => {
    const gw = await startGateway({ websocket: { compression: true, message_size_limit: 65_536, decompressed_message_size_limit: 200_000 } });
    try {
      const ws = new WebSocket(gw.url, { perMessageDeflate: true });
      const opened = once(ws as never, 'open');
      const upgrade = await new Promise<import('node:http').IncomingMessage>((resolve) => ws.once('upgrade', resolve));
      expect(upgrade.headers['sec-websocket-extensions']).toContain('permessage-deflate');
      await opened;
      ws.close();
      const client = newClient(gw.url, { token: await gw.token('deflated') });
      client.connect();
      const sub = client.newSubscription('chat:deflated');
      const seen: unknown[] = [];
      sub.on('publication', (ctx) => seen.push(ctx.data));
      sub.subscribe();
      await sub.ready(3000);
      const big = { text: 'progress '.repeat(2000) };
      await gw.api('publish', { channel: 'chat:deflated', data: big });
      await until(() => seen.length === 1);
      expect(seen[0]).toEqual(big);
      client.disconnect();
      // 1 MB of one letter deflates to about a kilobyte: the inflated size is what is limited.
      const bomb = new WebSocket(gw.url, { perMessageDeflate: true });
      await once(bomb as never, 'open');
      const closed = new Promise<number>((resolve) => bomb.once('close', (code) => resolve(code)));
      bomb.send('a'.repeat(1_000_000));
      expect(await closed).toBe(1009);
    } finally {
      await gw.close();
    }
  });

  it('client.subscribe_to_user_personal_channel subscribes each user to its channel, and single_connection keeps one', async () => {
    const gw = await startGateway({
      client: { subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal', single_connection: true } },
      channel: { namespaces: [{ name: 'personal', presence: true }] },
    });
    try {
      const first = newClient(gw.url, { token: await gw.token('pat') });
      const subscribed = once<{ channel: string }>(first, 'subscribed');
      first.connect();
      expect((await subscribed).channel).toBe('personal:#pat');
      const published = once<{ channel: string; data: unknown }>(first, 'publication');
      await gw.api('publish', { channel: 'personal:#pat', data: { note: 'just for pat' } });
      expect(await published).toMatchObject({ channel: 'personal:#pat', data: { note: 'just for pat' } });
      const ousted = once<{ code: number }>(first, 'disconnected');
      const second = newClient(gw.url, { token: await gw.token('pat') });
      second.connect();
      expect((await ousted).code).toBe(3504);
      await second.ready(3000);
      second.disconnect();
    } finally {
      await gw.close();
    }
  });
});

describe.skipIf(!hasOpenssl)('http_server.tls', () => {
  const pki = hasOpenssl ? new TestPki() : undefined;
  afterAll(() => pki?.remove());

  it('serves wss:// and https:// with the configured certificate', async () => {
    const { key, cert } = pki!.selfSigned('gateway');
    writeFileSync(join(pki!.dir, 'gw.key'), key);
    writeFileSync(join(pki!.dir, 'gw.crt'), cert);
    const gw = await startGateway({ http_server: { tls: { enabled: true, cert_pem: join(pki!.dir, 'gw.crt'), key_pem: join(pki!.dir, 'gw.key') } } });
    try {
      expect(gw.url).toMatch(/^wss:\/\//);
      const client = newClient(gw.url.replace('127.0.0.1', 'localhost'), {
        token: await gw.token('tls'),
        websocket: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { ca: cert });
          }
        } as never,
      });
      client.connect();
      await client.ready(3000);
      client.disconnect();
    } finally {
      await gw.close();
    }
  });
});
