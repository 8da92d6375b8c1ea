import { readFileSync, statSync } from 'node:fs';
import type { Centrifuge } from 'centrifuge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { createInboxExtension } from '../src/inbox/extension.js';
import { ADMIN_PASSWORD, AdminHttp, startAdminGateway, type AdminTestGateway } from './support/admin.js';
import { collect, newClient, once, until } from './support/client.js';
import { inboxConfig, sqliteBackend } from './support/inbox.js';
import { startGateway } from './support/gateway.js';
import { RawClient } from './support/raw-client.js';

async function connected(gw: AdminTestGateway, user: string, channels: string[] = [], options: Record<string, unknown> = {}): Promise<Centrifuge> {
  const client = newClient(gw.url, { token: await gw.token(user), ...options });
  client.connect();
  await client.ready(3000);
  for (const channel of channels) {
    const sub = client.newSubscription(channel);
    sub.subscribe();
    await sub.ready(3000);
  }
  return client;
}

describe('admin login, session and CSRF', () => {
  let gw: AdminTestGateway;
  beforeAll(async () => {
    gw = await startAdminGateway({ loginAttemptsBeforeBackoff: 3 });
  });
  afterAll(() => gw.close());

  it('sets an HttpOnly SameSite=Strict cookie scoped to /admin and returns a CSRF token', async () => {
    const admin = new AdminHttp(gw.baseUrl);
    const response = await admin.post('login', { password: ADMIN_PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body.csrf).toMatch(/^[\w-]{20,}$/);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^renum_admin=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  });

  it('refuses wrong passwords with 401, then throttles with 429 and Retry-After, even for the right one', async () => {
    const admin = new AdminHttp(gw.baseUrl);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const wrong = await admin.post('login', { password: `wrong-${attempt}` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe(101);
    }
    const throttled = await admin.post('login', { password: ADMIN_PASSWORD });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.code).toBe(111);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, Number(throttled.headers.get('retry-after')) * 1000 + 50));
    expect((await admin.post('login', { password: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('answers 401 without a session, with a tampered cookie and with the public API key', async () => {
    const anonymous = new AdminHttp(gw.baseUrl);
    expect((await anonymous.get('overview')).status).toBe(401);
    const withKey = await anonymous.request('GET', 'overview', undefined, { 'X-API-Key': 'test-api-key', Authorization: 'apikey test-api-key' });
    expect(withKey.status).toBe(401);
    const admin = await AdminHttp.login(gw.baseUrl);
    const [name, value] = admin.cookie.split('=') as [string, string];
    const [id, , signature] = value.split('.');
    admin.cookie = `${name}=${id}.${Date.now() + 10 ** 9}.${signature}`;
    expect((await admin.get('overview')).status).toBe(401);
  });

  it('refuses state-changing calls without the CSRF token or from another site', async () => {
    const admin = await AdminHttp.login(gw.baseUrl);
    const body = { channel: 'news:a', data: { n: 1 } };
    const noToken = await admin.post('publish', body, { 'X-CSRF-Token': '' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe(103);
    const crossSite = await admin.post('publish', body, { Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect((await admin.post('publish', body)).status).toBe(200);
    expect((await admin.request('GET', 'publish')).status).toBe(405);
    expect((await admin.get('no-such-thing')).status).toBe(404);
  });

  it('logs out by clearing the cookie', async () => {
    const admin = await AdminHttp.login(gw.baseUrl);
    const response = await admin.post('logout', {});
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^renum_admin=; .*Max-Age=0/);
  });
});

describe('admin data and actions on a live gateway', () => {
  let gw: AdminTestGateway;
  let admin: AdminHttp;
  const clients: Centrifuge[] = [];
  beforeAll(async () => {
    gw = await startAdminGateway({ sampleIntervalMs: 100 });
    admin = await AdminHttp.login(gw.baseUrl);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => gw.close());

  it('counts connections, users, channels and subscriptions, and samples message rates', async () => {
    clients.push(await connected(gw, 'alice', ['chat:room']), await connected(gw, 'alice', ['chat:room', 'news:x']), await connected(gw, 'bob'));
    await gw.api('publish', { channel: 'chat:room', data: { text: 'hi' } });
    const { body } = await admin.get('overview');
    expect(body.totals).toEqual({ nodes: 1, connections: 3, users: 2, channels: 2, subscriptions: 3 });
    expect(body.nodes[0]).toMatchObject({ uid: gw.gateway.node.uid, connections: 3 });
    await new Promise((r) => setTimeout(r, 350));
    const later = await admin.get('overview');
    expect(later.body.samples.length).toBeGreaterThanOrEqual(2);
    expect(later.body.samples.some((s: { out: number }) => s.out > 0)).toBe(true);
  });

  it('searches connections by user, channel, origin and client id, with details and byte counts', async () => {
    const origin = 'http://localhost:3000';
    clients.push(await connected(gw, 'carol', ['news:x'], { websocket: class extends (await import('ws')).default {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin, headers: { 'User-Agent': 'admin-test/1.0' } });
      }
    } }), await connected(gw, 'dave'));
    const byUser = (await admin.get('connections?user=CAR')).body.connections;
    expect(byUser).toHaveLength(1);
    expect(byUser[0]).toMatchObject({ user: 'carol', origin, userAgent: 'admin-test/1.0', subscriptions: ['news:x'] });
    expect(byUser[0].bytesIn).toBeGreaterThan(0);
    expect(byUser[0].bytesOut).toBeGreaterThan(0);
    expect(byUser[0].connectedAt).toBeLessThanOrEqual(Date.now());
    expect((await admin.get('connections?channel=news')).body.connections.map((c: { user: string }) => c.user)).toEqual(['carol']);
    expect((await admin.get('connections?origin=localhost:3000')).body.connections).toHaveLength(1);
    const byClient = (await admin.get(`connections?client=${byUser[0].client.slice(0, 8)}`)).body.connections;
    expect(byClient.map((c: { client: string }) => c.client)).toEqual([byUser[0].client]);
    expect((await admin.get('connections?user=nobody')).body.connections).toEqual([]);
  });

  it('disconnects one connection with the chosen code', async () => {
    const erin = await connected(gw, 'erin');
    const frank = await connected(gw, 'frank');
    clients.push(erin, frank);
    const client = (await admin.get('connections?user=erin')).body.connections[0].client;
    const closed = once<{ code: number }>(erin, 'disconnected');
    const response = await admin.post('disconnect', { client, user: 'erin', code: 4501 });
    expect(response.body).toEqual({ code: 4501, reason: 'disconnected by admin' });
    expect((await closed).code).toBe(4501);
    expect(frank.state).toBe('connected');
    const known = await admin.post('disconnect', { client: 'gone', user: 'frank', code: 3503 });
    expect(known.body).toEqual({ code: 3503, reason: 'force disconnect' });
    expect(frank.state).toBe('connected');
    const bad = await admin.post('disconnect', { client: 'x', user: '', code: 1000 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('code must be 3000–4999');
  });

  it('shows a channel with its subscribers, history position and presence', async () => {
    const grace = await connected(gw, 'grace', ['chat:lobby']);
    clients.push(grace);
    await gw.api('publish', { channel: 'chat:lobby', data: { n: 1 } });
    await gw.api('publish', { channel: 'chat:lobby', data: { n: 2 } });
    const list = (await admin.get('channels?q=lobby')).body.channels;
    expect(list).toEqual([{ name: 'chat:lobby', subscribers: 1 }]);
    const details = (await admin.get('channel?name=chat:lobby')).body;
    expect(details.subscribers).toEqual([expect.objectContaining({ user: 'grace' })]);
    expect(details.history).toMatchObject({ size: 2, limit: 10, offset: 2 });
    expect(details.presence).toEqual([expect.objectContaining({ user: 'grace' })]);
    const noHistory = (await admin.get('channel?name=plain')).body;
    expect(noHistory).toMatchObject({ history: null, subscribers: [] });
    const unknown = await admin.get('channel?name=nope:x');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe(102);
  });

  it('publishes to a channel and broadcasts on the broadcast channel; bad bodies get 400', async () => {
    const henry = newClient(gw.url, { token: await gw.token('henry') });
    clients.push(henry);
    const broadcast = henry.newSubscription('broadcast');
    const seen = collect(broadcast);
    broadcast.subscribe();
    henry.connect();
    await broadcast.ready(3000);
    const reply = await admin.post('broadcast', { data: { text: 'maintenance at 22:00' } });
    expect(reply.status).toBe(200);
    expect(reply.body.channel).toBe('broadcast');
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ text: 'maintenance at 22:00' }]);
    expect((await admin.post('publish', { channel: 'news:y', data: [1] })).body).toMatchObject({ offset: 1 });
    const notJson = await admin.post('publish', '{"channel": "news:y", data');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe(107);
    const noData = await admin.post('publish', { channel: 'news:y' });
    expect(noData.status).toBe(400);
    expect(noData.body.error.message).toContain('data');
  });

  it('lists refused handshakes with the origin, refused tokens and abnormal closes, newest first', async () => {
    await expect(RawClient.open(gw.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const expired = await RawClient.open(gw.url);
    await expect(expired.connect(await gw.token('ivan', { ttlSeconds: -60 }))).rejects.toMatchObject({ code: 109 });
    expired.ws.close();
    const forged = await RawClient.open(gw.url);
    forged.send({ id: 1, connect: { token: await mintToken('another-secret-another-secret-xx', { user: 'judy' }) } });
    expect((await forged.closed).code).toBe(3500);
    const { rejections } = (await admin.get('rejections')).body;
    const find = (reason: string) => rejections.find((r: { reason: string }) => r.reason === reason);
    expect(find('origin_not_allowed')).toMatchObject({ kind: 'handshake', code: 403, origin: 'https://evil.example', node: gw.gateway.node.name });
    expect(find('token_expired')).toMatchObject({ kind: 'connect' });
    expect(find('bad_signature')).toMatchObject({ kind: 'connect' });
    expect(rejections.find((r: { code?: number; kind: string }) => r.kind === 'disconnect' && r.code === 3500)).toBeDefined();
    expect(rejections[0].at).toBeGreaterThanOrEqual(rejections.at(-1).at);
  });

  it('shows the resolved config with secrets redacted', async () => {
    const { config } = (await admin.get('config')).body;
    expect(config.client.token.hmac_secret_key).toBe('<redacted>');
    expect(config.http_api.key).toBe('<redacted>');
    expect(config.channel.namespaces.map((n: { name: string }) => n.name)).toContain('chat');
    expect(JSON.stringify(config)).not.toContain('test-secret-test-secret');
  });

  it('says notify is unavailable without the inbox', async () => {
    expect((await admin.get('features')).body).toEqual({ notify: false, broadcastChannel: 'broadcast', environment: 'local' });
    const response = await admin.post('notify', { user: 'alice', title: 'hi' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(108);
  });
});

describe('admin notify through the inbox', () => {
  it('sends an inbox notification to one user and to everyone', async () => {
    const { options, drop } = await sqliteBackend.create();
    const gw = await startAdminGateway({}, inboxConfig, { extensions: [createInboxExtension(options)] });
    try {
      const admin = await AdminHttp.login(gw.baseUrl);
      expect((await admin.get('features')).body.notify).toBe(true);
      const one = await admin.post('notify', { user: 'alice', title: 'Welcome', body: 'Hello Alice' });
      expect(one.status).toBe(200);
      expect(one.body.id).toEqual(expect.any(String));
      expect((await admin.post('notify', { all: true, title: 'Maintenance' })).status).toBe(200);
      const listed = await gw.api('notification_list', { user: 'alice' });
      expect(listed.items.map((n: { title: string; type: string }) => [n.title, n.type])).toEqual(expect.arrayContaining([['Welcome', 'admin.notice']]));
      const neither = await admin.post('notify', { title: 'x' });
      expect(neither.status).toBe(400);
      expect(neither.body.error.message).toContain('give either user or all: true');
    } finally {
      await gw.close();
      await drop();
    }
  });
});

describe('admin availability and the page', () => {
  it('is off in production without a password and says how to enable it', async () => {
    const gw = await startAdminGateway({ password: undefined }, { client: { allowed_origins: ['https://renum.com.br'] } }, { env: 'production' });
    try {
      for (const path of ['/admin', '/admin/', '/admin/api/overview']) {
        const response = await fetch(`${gw.baseUrl}${path}`);
        expect(response.status).toBe(404);
        const page = await response.text();
        expect(page).toContain('no admin.password is configured (production profile)');
        expect(page).toContain('REALTIME_ADMIN_PASSWORD');
      }
    } finally {
      await gw.close();
    }
  });

  it('is off when admin.enabled is false, and when the extension is not mounted', async () => {
    const off = await startAdminGateway({ enabled: false });
    const none = await startGateway();
    try {
      expect(await (await fetch(`${off.baseUrl}/admin/`)).text()).toContain('admin.enabled is false');
      const api = await fetch(`http://${none.gateway.host}:${none.gateway.port}/admin/api/login`, { method: 'POST', body: '{}' });
      expect(api.status).toBe(404);
      const { error } = (await api.json()) as { error: { code: number; message: string } };
      expect(error.code).toBe(104);
      expect(error.message).toContain('not part of this gateway');
    } finally {
      await off.close();
      await none.close();
    }
  });

  it('keeps a generated password in the data dir in the local profile, never in the logs', async () => {
    const gw = await startAdminGateway({ password: undefined }, {}, { captureLogs: true });
    try {
      const line = gw.logs.find((l) => l.event === 'admin_password_generated');
      expect(line?.password).toBeUndefined();
      const password = readFileSync(line!.file, 'utf8').trim();
      expect(statSync(line!.file).mode & 0o777).toBe(0o600);
      expect(JSON.stringify(gw.logs)).not.toContain(password);
      expect((await AdminHttp.login(gw.baseUrl, password)).csrf).not.toBe('');
    } finally {
      await gw.close();
    }
  });

  it('serves the built page with a strict CSP and refuses paths outside the build', async () => {
    const gw = await startAdminGateway();
    try {
      const redirect = await fetch(`${gw.baseUrl}/admin`, { redirect: 'manual' });
      expect(redirect.status).toBe(308);
      expect(redirect.headers.get('location')).toBe('/admin/');
      const page = await fetch(`${gw.baseUrl}/admin/`);
      expect([200, 503]).toContain(page.status);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const escape = await fetch(`${gw.baseUrl}/admin/assets/..%2f..%2f..%2fpackage.json`);
      expect(escape.status).toBe(404);
      expect((await fetch(`${gw.baseUrl}/admin/assets/missing.js`)).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});
