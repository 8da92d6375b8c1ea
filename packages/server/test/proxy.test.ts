import type { Centrifuge, Options } from 'centrifuge';
import { EventSource, type EventSourceInit } from 'eventsource';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/log.js';
import { startBackend, type Backend, type BackendAnswer, type ProxyRequest } from './support/backend.js';
import { follow, once, until } from './support/client.js';
import { newFallbackClient, type FallbackTransport } from './support/fallback.js';
import { baseTestConfig, deepMerge, startGateway, writeConfigFile, type TestGateway } from './support/gateway.js';

let backend: Backend;
let gw: TestGateway;

const proxy = (path: string, extra: Record<string, unknown> = {}) => ({ endpoint: `${backend.url}${path}`, timeout: '300ms', ...extra });

beforeAll(async () => {
  backend = await startBackend();
  gw = await startGateway({
    client: {
      proxy: {
        connect: { enabled: true, ...proxy('/connect', { http_headers: ['Cookie', 'Authorization'] }) },
        refresh: { enabled: true, ...proxy('/refresh') },
      },
    },
    channel: {
      proxy: { subscribe: proxy('/subscribe'), publish: proxy('/publish'), sub_refresh: proxy('/sub_refresh') },
      namespaces: [
        { name: 'news', allow_subscribe_for_client: true },
        { name: 'execution', subscribe_proxy_enabled: true, publish_proxy_enabled: true, sub_refresh_proxy_enabled: true, history_size: 10, history_ttl: '60s' },
        { name: 'billing', subscribe_proxy_enabled: true, subscribe_proxy_name: 'billing' },
      ],
    },
    rpc: { proxy: proxy('/rpc'), without_namespace: { proxy_enabled: true } },
    proxies: [{ name: 'billing', ...proxy('/billing/subscribe', { binary_encoding: true, include_connection_meta: true }) }],
  }, undefined, { captureLogs: true });
  backend.on('/connect', cookieSession);
  backend.on('/subscribe', runOwner);
  backend.on('/publish', ({ body }) => ({ body: { result: { data: { ...body.data, checked: true } } } }));
  backend.on('/rpc', ({ body }) => (body.method === 'runs.start' ? { body: { result: { data: { run: 7, by: body.user, input: body.data } } } } : { body: { error: { code: 404, message: 'no such method' } } }));
  backend.on('/billing/subscribe', ({ body }) => ({ body: { result: { b64data: Buffer.from(JSON.stringify({ meta: body.meta, got: JSON.parse(Buffer.from(body.b64data ?? 'bnVsbA==', 'base64').toString()) })).toString('base64') } } }));
});
afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

/** The back end's session cookie names the user; no token anywhere. */
function cookieSession({ headers }: ProxyRequest): BackendAnswer {
  const user = /session=([\w-]+)/.exec(String(headers.cookie ?? ''))?.[1];
  if (!user) return { body: { disconnect: { code: 4501, reason: 'no session cookie' } } };
  return { body: { result: { user, data: { greeting: `hi ${user}` }, meta: { plan: 'pro' }, channels: ['news:proxied'] } } };
}

/** A run's channel is open to its owner only. */
function runOwner({ body }: ProxyRequest): BackendAnswer {
  return body.channel === `execution:${body.user}-run` ? { body: { result: { info: { role: 'owner' }, data: { state: 'running' } } } } : { body: { error: { code: 403, message: 'not your run' } } };
}

/** A client that authenticates with a cookie, as a browser on the back end's own domain would. */
function cookieClient(transport: FallbackTransport, user: string, options: Partial<Options> = {}): Centrifuge {
  const Cookie = `session=${user}`;
  const withCookie = ((input: RequestInfo | URL, init: RequestInit = {}) => globalThis.fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), Cookie } })) as typeof fetch;
  return newFallbackClient(gw.gateway.baseUrl, [transport], {
    websocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { Cookie } });
      }
    } as never,
    fetch: withCookie,
    eventsource: class extends EventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, { ...init, fetch: withCookie });
      }
    } as never,
    ...options,
  });
}

async function connected(client: Centrifuge): Promise<{ data?: unknown; transport: string }> {
  const ctx = once<{ data?: unknown; transport: string }>(client, 'connected', 5000);
  client.connect();
  return ctx;
}

const requestsTo = (path: string) => backend.requests.filter((r) => r.path === path);

describe.each<FallbackTransport>(['websocket', 'http_stream', 'sse'])('event proxies over %s', (transport) => {
  it('connect: the back end maps the session cookie to a user, with data, meta and server-side channels; no token needed', async () => {
    const user = `alice-${transport}`;
    const client = cookieClient(transport, user);
    const ctx = await connected(client);
    expect(ctx.data).toEqual({ greeting: `hi ${user}` });
    const request = requestsTo('/connect').at(-1)!;
    expect(request.body).toMatchObject({ client: expect.any(String), transport, protocol: 'json', encoding: 'json', name: 'js' });
    expect(request.headers.cookie).toBe(`session=${user}`);
    expect(gw.gateway.node.sessions.forUser(user)).toHaveLength(1);
    expect([...gw.gateway.node.sessions.forUser(user)[0]!.subscriptions.keys()]).toEqual(['news:proxied']);
    client.disconnect();
  });

  it('subscribe: allows the owner of the run, and refuses others with the back end error code', async () => {
    const user = `bob-${transport}`;
    const client = cookieClient(transport, user);
    await connected(client);
    const own = client.newSubscription(`execution:${user}-run`);
    const subscribed = once<{ data?: unknown }>(own, 'subscribed');
    own.subscribe();
    expect((await subscribed).data).toEqual({ state: 'running' });
    const other = client.newSubscription('execution:someone-else-run');
    const refused = once<{ code: number; reason: string }>(other, 'unsubscribed');
    other.subscribe();
    expect(await refused).toMatchObject({ code: 403, reason: 'not your run' });
    client.disconnect();
  });

  it('publish: the back end checks and rewrites the data; rpc: answers methods the gateway does not know', async () => {
    const user = `carol-${transport}`;
    const client = cookieClient(transport, user);
    await connected(client);
    const { sub, data } = await follow(client, `execution:${user}-run`);
    await sub.publish({ step: 1 });
    await until(() => data.length === 1);
    expect(data).toEqual([{ step: 1, checked: true }]);
    expect((await client.rpc('runs.start', { goal: 'x' })).data).toEqual({ run: 7, by: user, input: { goal: 'x' } });
    await expect(client.rpc('runs.nope', {})).rejects.toMatchObject({ code: 404, message: 'no such method' });
    client.disconnect();
  });
});

describe('event proxy failures are never an accept, and always say why', () => {
  const failures: Array<[string, BackendAnswer, string]> = [
    ['down', { status: 503 }, 'http_status'],
    ['a 500', { status: 500, body: 'oops' }, 'http_status'],
    ['slow', { delayMs: 1000, body: { result: {} } }, 'timeout'],
    ['malformed JSON', { body: '{"result": ' }, 'malformed'],
    ['not an object', { body: '[1,2]' }, 'malformed'],
  ];
  it.each(failures)('a subscribe proxy that is %s gives the client a temporary error, logged and counted', async (_what, answer, kind) => {
    backend.on('/subscribe', () => answer);
    const user = `dave-${kind}`;
    const client = cookieClient('websocket', user);
    await connected(client);
    const sub = client.newSubscription(`execution:${user}-run`);
    const error = once<{ error: { code: number; temporary?: boolean } }>(sub, 'error', 5000);
    sub.subscribe();
    expect((await error).error).toMatchObject({ code: 100, temporary: true });
    expect(sub.state).not.toBe('subscribed');
    await until(() => gw.logs.some((l) => l.event === 'proxy_failed' && l.proxy === 'default' && l.reason === kind), 3000, 'proxy_failed log');
    const metrics = await (await fetch(`${gw.gateway.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`realtime_proxy_requests_total\\{proxy="default",event="subscribe",outcome="${kind}"\\} [1-9]`));
    sub.unsubscribe();
    client.disconnect();
    backend.on('/subscribe', runOwner);
  });

  it('a connect proxy that answers a disconnect closes with that code; one that is down makes the SDK retry', async () => {
    const anonymous = newFallbackClient(gw.gateway.baseUrl, ['websocket']);
    const closed = once<{ code: number; reason: string }>(anonymous, 'disconnected', 5000);
    anonymous.connect();
    expect(await closed).toEqual({ code: 4501, reason: 'no session cookie' });

    backend.on('/connect', () => ({ status: 502 }));
    const retrying = cookieClient('http_stream', 'erin');
    const errors: number[] = [];
    retrying.on('error', (ctx) => ctx.error && errors.push(ctx.error.code));
    retrying.connect();
    await until(() => errors.filter((c) => c === 100).length >= 2, 5000, 'two temporary connect errors');
    expect(retrying.state).toBe('connecting');
    backend.on('/connect', cookieSession);
    await retrying.ready(5000);
    retrying.disconnect();
  });

  it('shows proxy failures in the admin rejections feed', async () => {
    const seen: string[] = [];
    const stop = gw.gateway.node.events.observe({ rejected: (e) => e.kind === 'proxy' && seen.push(e.reason) });
    const answering = backend.requests.length;
    backend.on('/rpc', () => ({ status: 500 }));
    const client = cookieClient('websocket', 'frank');
    await connected(client);
    await expect(client.rpc('runs.start', {})).rejects.toMatchObject({ code: 100 });
    expect(seen).toContain('rpc_proxy_http_status');
    expect(backend.requests.length).toBeGreaterThan(answering);
    stop();
    client.disconnect();
  });
});

describe('named proxies and payload encodings', () => {
  it('sends b64data and the connect meta to a named proxy, and reads b64data back', async () => {
    const client = cookieClient('websocket', 'grace');
    await connected(client);
    const sub = client.newSubscription('billing:grace', { data: { want: 'invoices' } });
    const subscribed = once<{ data?: unknown }>(sub, 'subscribed');
    sub.subscribe();
    expect((await subscribed).data).toEqual({ meta: { plan: 'pro' }, got: { want: 'invoices' } });
    const request = requestsTo('/billing/subscribe').at(-1)!;
    expect(request.body.b64data).toBe(Buffer.from(JSON.stringify({ want: 'invoices' })).toString('base64'));
    // Centrifugo names the payload encoding: binary with binary_encoding.
    expect(request.body).toMatchObject({ protocol: 'json', encoding: 'binary' });
    client.disconnect();
  });

  it('refuses to start when a namespace names a proxy that does not exist', async () => {
    const file = writeConfigFile(deepMerge(baseTestConfig, { channel: { namespaces: [{ name: 'x', subscribe_proxy_enabled: true, subscribe_proxy_name: 'nope' }] } }));
    const config = loadConfig({ file, environ: {} });
    const started = Gateway.start({ config, log: createLogger('silent') });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({ problems: [expect.stringContaining('no proxy named "nope"')] });
  });
});

describe('server-side refresh through the proxies', () => {
  it('refresh: an expiring proxied connection is prolonged by the refresh proxy, then closed 3005 when it says expired', async () => {
    const soon = () => Math.floor(Date.now() / 1000) + 1;
    backend.on('/connect', (request) => {
      const answer = cookieSession(request);
      return { body: { result: { ...(answer.body as any).result, expire_at: soon() } } };
    });
    let refreshes = 0;
    backend.on('/refresh', () => (++refreshes < 2 ? { body: { result: { expire_at: soon() } } } : { body: { result: { expired: true } } }));
    const client = cookieClient('websocket', 'heidi');
    const states: string[] = [];
    client.on('state', (ctx) => states.push(ctx.newState));
    await connected(client);
    const closed = once<{ code: number }>(client, 'connecting', 8000);
    expect((await closed).code).toBe(3005);
    expect(refreshes).toBe(2);
    expect(requestsTo('/refresh').at(-1)!.body).toMatchObject({ user: 'heidi', transport: 'websocket' });
    client.disconnect();
    backend.on('/connect', cookieSession);
  }, 15_000);

  it('sub_refresh: a subscription the subscribe proxy granted with an expiry is prolonged by the sub_refresh proxy', async () => {
    backend.on('/subscribe', (request) => ({ body: { result: { ...(runOwner(request).body as any).result, expire_at: Math.floor(Date.now() / 1000) + 1 } } }));
    backend.on('/sub_refresh', ({ body }) => ({ body: { result: { expire_at: Math.floor(Date.now() / 1000) + 60, info: { refreshed: body.channel } } } }));
    const client = cookieClient('websocket', 'ivan');
    await connected(client);
    const { sub } = await follow(client, 'execution:ivan-run');
    await until(() => requestsTo('/sub_refresh').some((r) => r.body.channel === 'execution:ivan-run'), 5000, 'sub_refresh call');
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.state).toBe('subscribed');
    const session = gw.gateway.node.sessions.forUser('ivan')[0]!;
    expect(session.subscriptions.get('execution:ivan-run')!.chanInfo).toEqual({ refreshed: 'execution:ivan-run' });
    client.disconnect();
    backend.on('/subscribe', runOwner);
  });
});

describe('bounded concurrency per proxy', () => {
  it('queues requests past max_concurrency and refuses at once past the queue, with a temporary error', async () => {
    const slow = await startBackend();
    slow.on('/rpc', () => ({ delayMs: 300, body: { result: { data: 'ok' } } }));
    const narrow = await startGateway({ rpc: { proxy: { endpoint: `${slow.url}/rpc`, timeout: '2s', max_concurrency: 1 }, without_namespace: { proxy_enabled: true } } });
    try {
      // A session runs its commands one after another: concurrency comes from several clients.
      const clients = await Promise.all([1, 2, 3].map(async (i) => {
        const client = newFallbackClient(narrow.gateway.baseUrl, ['websocket'], { token: await narrow.token(`judy-${i}`) });
        client.connect();
        await client.ready(3000);
        return client;
      }));
      const results = await Promise.allSettled(clients.map((client) => client.rpc('work', {})));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 100 } });
      const metrics = await (await fetch(`${narrow.gateway.baseUrl}/metrics`)).text();
      expect(metrics).toContain('realtime_proxy_requests_total{proxy="default",event="rpc",outcome="overloaded"} 1');
      for (const client of clients) client.disconnect();
    } finally {
      await narrow.close();
      await slow.close();
    }
  });
});
