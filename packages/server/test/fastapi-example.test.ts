import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import { TEST_API_KEY, writeConfigFile, type TestGateway } from './support/gateway.js';
import { freePort } from './support/ports.js';
import { EXAMPLE_DIR, startFastApiExample, type FastApiExample } from './support/fastapi.js';
import { startConfiguredGateway } from './support/lifecycle.js';
import { newWebhookSecret } from './support/webhook-receiver.js';
import { loadConfig } from '../src/config/load.js';
import { secretKey, webhookHeaders } from '../src/webhooks/signature.js';

const secret = newWebhookSecret();
let gateway: TestGateway;
let backend: FastApiExample;

/** What the gateway sends to a Centrifugo proxy endpoint: the same JSON, the same headers. */
async function proxy(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${backend.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const connection = { client: '9336a229-2400-4ebc-8c50-0a643d22e8a0', transport: 'websocket', protocol: 'json', encoding: 'json' };

async function login(user: string, password: string): Promise<string> {
  const response = await fetch(`${backend.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

beforeAll(async () => {
  // The gateway the back end publishes to and that sends it webhooks; the connect/subscribe/RPC
  // proxies are driven by this test with the requests a Centrifugo-compatible gateway sends.
  const port = await freePort();
  gateway = await startConfiguredGateway({
    channel: { namespaces: [
      { name: 'execution', history_size: 100, history_ttl: '300s', allow_subscribe_for_client: true },
      { name: 'notifications', allow_user_limited_channels: true, allow_subscribe_for_client: true },
    ] },
    notifications: { enabled: true },
    user_status: { offline_grace: '300ms' },
    webhooks: { enabled: true, url: `http://127.0.0.1:${port}/webhooks`, secret, retry_initial_interval: '50ms', retry_max_interval: '200ms' },
  });
  backend = await startFastApiExample({ GATEWAY_API_URL: gateway.apiUrl, GATEWAY_API_KEY: TEST_API_KEY, WEBHOOK_SECRET: secret, RUN_STEP_SECONDS: '0.02' }, port);
});

afterAll(async () => {
  await gateway?.close();
  await backend?.stop();
});

describe('the FastAPI example back end (real uvicorn)', () => {
  it('connect proxy: maps the session cookie to a user, and refuses without one', async () => {
    const cookie = await login('alice', 'alice-password');
    expect(await proxy('/centrifugo/connect', connection, { Cookie: cookie })).toEqual({ status: 200, body: { result: { user: 'alice', info: { name: 'Alice' } } } });
    expect((await proxy('/centrifugo/connect', connection)).body).toEqual({ disconnect: { code: 4501, reason: 'unauthorized' } });
    const forged = cookie.replace(/=([^.]*)/, `=${Buffer.from('bob').toString('base64url')}`);
    expect((await proxy('/centrifugo/connect', connection, { Cookie: forged })).body).toEqual({ disconnect: { code: 4501, reason: 'unauthorized' } });
    const me = await fetch(`${backend.url}/me`, { headers: { Cookie: cookie } });
    expect(await me.json()).toEqual({ user: 'alice' });
    expect((await fetch(`${backend.url}/me`)).status).toBe(401);
    const wrongPassword = await fetch(`${backend.url}/login`, { method: 'POST', body: JSON.stringify({ user: 'alice', password: 'guess' }) });
    expect(wrongPassword.status).toBe(401);
    const malformed = await proxy('/centrifugo/connect', 'not json');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 400 } } });
  });

  it('RPC runs.start publishes the run over the server API; only its owner may subscribe; the inbox gets a notification', async () => {
    const started = await proxy('/centrifugo/rpc', { ...connection, user: 'alice', method: 'runs.start', data: { steps: 3 } });
    const { run, channel } = started.body.result.data;
    expect(channel).toBe(`execution:${run}`);

    expect((await proxy('/centrifugo/subscribe', { ...connection, user: 'alice', channel })).body).toEqual({ result: {} });
    expect((await proxy('/centrifugo/subscribe', { ...connection, user: 'bob', channel })).body).toEqual({ error: { code: 403, message: 'permission denied' } });
    expect((await proxy('/centrifugo/subscribe', { ...connection, user: 'alice', channel: 'execution:nope' })).body.error.code).toBe(403);

    const aliceCookie = await login('alice', 'alice-password');
    const runLog = async (cookie?: string) => fetch(`${backend.url}/runs/${run}`, cookie ? { headers: { Cookie: cookie } } : {});
    await until(async () => (await (await runLog(aliceCookie)).json()).status === 'completed', 10_000, 'run completed');
    const log = (await (await runLog(aliceCookie)).json()).events;
    // The log follows the subscribe proxy's rule: its owner's only.
    expect((await runLog(await login('bob', 'bob-password'))).status).toBe(403);
    expect((await runLog()).status).toBe(401);
    const history = await gateway.api('history', { channel, limit: 100 });
    expect(history.publications.map((p: { data: unknown }) => p.data)).toEqual(log);
    expect(log.at(-1)).toMatchObject({ type: 'execution_update', event_type: 'execution_completed' });
    const inbox = await gateway.api('notification_list', { user: 'alice' });
    expect(inbox.items[0]).toMatchObject({ type: 'run.finished', data: { run }, action: `/runs/${run}` });

    expect((await proxy('/centrifugo/rpc', { ...connection, user: 'alice', method: 'runs.delete' })).body.error.code).toBe(404);
    expect((await proxy('/centrifugo/rpc', { ...connection, user: 'alice', method: 'runs.start', data: { steps: 'many' } })).body.error.code).toBe(400);
  });

  it('webhook receiver: refuses forged and expired signatures, applies each event once', async () => {
    const key = secretKey(secret);
    const body = JSON.stringify({ type: 'user.online', timestamp: new Date().toISOString(), data: { user: 'mallory', node: 'n1' } });
    const now = Math.floor(Date.now() / 1000);
    const post = (headers: Record<string, string>) => fetch(`${backend.url}/webhooks`, { method: 'POST', headers, body });

    const forged = webhookHeaders(secretKey(newWebhookSecret()), 'msg_forged', now, body);
    expect((await post(forged)).status).toBe(401);
    const expired = webhookHeaders(key, 'msg_old', now - 6 * 60, body);
    expect((await post(expired)).status).toBe(401);
    const early = webhookHeaders(key, 'msg_early', now + 6 * 60, body);
    expect((await post(early)).status).toBe(401);
    const tampered = webhookHeaders(key, 'msg_tampered', now, body);
    const response = await fetch(`${backend.url}/webhooks`, { method: 'POST', headers: tampered, body: body.replace('mallory', 'alice') });
    expect(response.status).toBe(401);
    expect((await (await fetch(`${backend.url}/presence`)).json()).users).not.toHaveProperty('mallory');

    const genuine = webhookHeaders(key, 'msg_genuine', now, body);
    expect((await post(genuine)).status).toBe(204);
    expect((await post(genuine)).status).toBe(204);
    const presence = await (await fetch(`${backend.url}/presence`)).json();
    expect(presence.users.mallory).toMatchObject({ online: true });
    expect(presence.applied.filter((e: { id: string }) => e.id === 'msg_genuine')).toHaveLength(1);
  });
});

describe('the gateway\'s webhooks reaching the FastAPI receiver', () => {
  it('records a user online, then offline after the grace period, from real signed deliveries', async () => {
    const client = newClient(gateway.url, { token: await gateway.token('erin') });
    client.connect();
    await client.ready(3000);
    const presenceOf = async () => (await (await fetch(`${backend.url}/presence`)).json()).users.erin;
    await until(async () => (await presenceOf())?.online === true, 5000, 'erin online at the back end');
    client.disconnect();
    await until(async () => (await presenceOf())?.online === false, 5000, 'erin offline at the back end');
    expect((await presenceOf()).last_seen).toEqual(expect.any(String));
    await until(async () => (await gateway.api('webhook_stats', {})).pending === 0, 5000, 'outbox drained');
  });

  it('reconciles from user_status_snapshot, as after webhooks missed for longer than the retry period', async () => {
    const client = newClient(gateway.url, { token: await gateway.token('frank') });
    client.connect();
    await client.ready(3000);
    const reconcile = async () => (await (await fetch(`${backend.url}/presence/reconcile`, { method: 'POST' })).json()).users;
    await until(async () => (await reconcile()).frank?.online === true, 3000, 'frank online in the snapshot');
    client.disconnect();
    await until(async () => (await gateway.api('user_status', { user: 'frank' })).users[0].online === false, 3000, 'frank offline at the gateway');
    expect((await reconcile()).frank).toMatchObject({ online: false });
  });
});

describe('the example gateway config', () => {
  it('uses the Centrifugo v6 proxy keys, and its other sections load as they are', () => {
    const file = JSON.parse(readFileSync(join(EXAMPLE_DIR, 'realtime.config.json'), 'utf8'));
    expect(file.client.proxy.connect).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:8001/centrifugo/connect', http_headers: expect.arrayContaining(['Cookie']) });
    expect(file.channel.proxy.subscribe.endpoint).toBe('http://127.0.0.1:8001/centrifugo/subscribe');
    expect(file.rpc.proxy.endpoint).toBe('http://127.0.0.1:8001/centrifugo/rpc');
    expect(file.channel.namespaces.find((n: { name: string }) => n.name === 'execution').subscribe_proxy_enabled).toBe(true);
    // The proxy keys belong to the core's proxy settings; everything else must load today.
    const { proxy: _client, ...client } = file.client;
    const { proxy: _channel, ...channel } = file.channel;
    const { rpc: _rpc, ...rest } = file;
    const namespaces = channel.namespaces.map(({ subscribe_proxy_enabled: _s, ...ns }: Record<string, unknown>) => ns);
    const config = loadConfig({ file: writeConfigFile({ ...rest, client, channel: { ...channel, namespaces } }), environ: {} });
    expect(config.webhooks).toMatchObject({ enabled: true, url: 'http://127.0.0.1:8001/webhooks' });
  });
});
