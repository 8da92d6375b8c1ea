import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

interface UpgradeAnswer {
  status: number;
  body: string;
}

/** Sends a WebSocket upgrade request by hand and reads the HTTP answer, as a browser would send it. */
function upgrade(url: string, origin?: string): Promise<UpgradeAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(origin ? { Origin: origin } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function preflight(apiUrl: string, origin: string): Promise<Response> {
  return fetch(`${apiUrl}/publish`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-api-key' },
  });
}

const profiles = {
  local: { config: {}, allowed: ['http://localhost:3000', 'http://127.0.0.1:5173'], denied: ['https://renum.com.br', 'http://evil.localhost.example'] },
  staging: {
    config: { client: { allowed_origins: ['https://staging.renum.com.br', 'https://renum-*.vercel.app', 'http://localhost:3001'] } },
    allowed: ['https://staging.renum.com.br', 'https://renum-git-feature.vercel.app', 'http://localhost:3001'],
    denied: ['https://renum.com.br', 'https://renum-x.vercel.app.evil.com', 'http://localhost:3000'],
  },
  production: {
    config: { client: { allowed_origins: ['https://renum.com.br', 'https://www.renum.com.br', 'https://renum-*.vercel.app'] } },
    allowed: ['https://renum.com.br', 'https://www.renum.com.br', 'https://renum-preview.vercel.app'],
    denied: ['http://renum.com.br', 'http://localhost:3000', 'https://suna.so', 'null'],
  },
} as const;

for (const [profile, matrix] of Object.entries(profiles)) {
  describe(`origin policy, ${profile} profile`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway(matrix.config, undefined, { env: profile, captureLogs: true });
    });
    afterAll(() => gw.close());

    it.each(matrix.allowed)('upgrades and answers CORS for %s', async (origin) => {
      expect((await upgrade(gw.url, origin)).status).toBe(101);
      const client = await RawClient.open(gw.url, { origin });
      await client.connect(await gw.token('browser'));
      client.ws.close();
      const res = await preflight(gw.apiUrl, origin);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-api-key');
    });

    it.each(matrix.denied)('refuses %s with 403 before any WebSocket exists, and in CORS', async (origin) => {
      const answer = await upgrade(gw.url, origin);
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('not in client.allowed_origins');
      const line = gw.logs.find((l) => l.reason === 'origin_not_allowed' && l.origin === origin);
      expect(line).toMatchObject({ profile });
      const res = await preflight(gw.apiUrl, origin);
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('lets requests without Origin through (servers, CLIs)', async () => {
      expect((await upgrade(gw.url)).status).toBe(101);
    });

    it('counts rejections in /metrics', async () => {
      const metrics = await (await fetch(gw.apiUrl.replace('/api', '/metrics'))).text();
      expect(metrics).toMatch(/realtime_handshake_rejections_total\{reason="origin_not_allowed"\} [1-9]/);
    });
  });
}
