import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, until } from './support/client.js';
import { RawClient } from './support/raw-client.js';
import { callApi, startGateway, TEST_API_KEY, type TestGateway } from './support/gateway.js';
import { dropPrefix, redisUrl, startRedisGateway, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ client: { json_max_depth: 32, max_command_errors: 20, connect_rate_limit: { per_address_per_second: 5, per_address_burst: 5 } } }, undefined, { captureLogs: true });
});
afterAll(() => gw.close());

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Sends raw bytes and returns the status line the server answers with. */
function statusLine(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

const upgradeHead = (path: string, extra = '', version = '1.1') =>
  `GET ${path} HTTP/${version}\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

describe('deep JSON is refused at the door', () => {
  it('answers a publish nested past client.json_max_depth with 107 naming the limit, and stores nothing', async () => {
    const client = newClient(gw.url, { token: await gw.token('deep') });
    client.connect();
    const { sub, data } = await follow(client, 'chat:deep');
    // The SDK itself refuses to encode very deep values; a hostile client sends them raw (below).
    await expect(sub.publish(nested(40))).rejects.toMatchObject({ code: 107, message: 'bad request: JSON nested deeper than 32 levels' });
    const raw = await RawClient.open(gw.url);
    await raw.connect(await gw.token('deep-raw'));
    const reply = raw.next((m) => m.id === 2);
    raw.ws.send(`{"id":2,"publish":{"channel":"chat:deep","data":${'['.repeat(6000)}1${']'.repeat(6000)}}}`);
    expect((await reply).error).toMatchObject({ code: 107 });
    await sub.publish(nested(30));
    await until(() => data.length === 1);
    const history = await gw.api('history', { channel: 'chat:deep', limit: 10 });
    expect(history.publications).toHaveLength(1);
    client.disconnect();
  });

  it('refuses a token whose claims nest past the limit with 107, so presence never holds it', async () => {
    const raw = await RawClient.open(gw.url);
    const token = await gw.token('deep-claims', { info: nested(100) });
    const reply = raw.next((m) => m.id === 1);
    raw.send({ id: 1, connect: { token } });
    expect((await reply).error).toMatchObject({ code: 107, message: 'bad request: token claims nested deeper than 32 levels' });
  });

  it('answers an API body nested past the limit with HTTP 400 naming it', async () => {
    const response = await fetch(`${gw.apiUrl}/publish`, {
      method: 'POST', headers: { 'X-API-Key': TEST_API_KEY }, body: `{"channel":"chat:deep","data":${'['.repeat(6000)}1${']'.repeat(6000)}}`,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('JSON nested deeper than 32 levels (client.json_max_depth)');
  });
});

describe('limits answered at the right time', () => {
  it('disconnects a storm of invalid commands with 3509 too many errors', async () => {
    const raw = await RawClient.open(gw.url);
    await raw.connect(await gw.token('storm'));
    for (let i = 0; i < 30; i++) raw.send({ id: 10 + i, subscribe: { channel: 'nosuchns:x' } });
    expect(await raw.closed).toEqual({ code: 3509, reason: 'too many errors' });
  });

  it('refuses connects past the per-address rate with 429 before any upgrade', async () => {
    const limited = await startGateway({ client: { connect_rate_limit: { per_address_per_second: 1, per_address_burst: 3 } } });
    try {
      const statuses: string[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await statusLine(limited.gateway.port, upgradeHead('/connection/websocket')));
      expect(statuses.slice(0, 3).every((s) => s.startsWith('HTTP/1.1 101'))).toBe(true);
      expect(statuses[4]).toBe('HTTP/1.1 429 Too Many Requests');
    } finally {
      await limited.close();
    }
  });

  it('queues connects past the node rate for up to queue_timeout, then refuses with 503 and Retry-After', async () => {
    const rate = { per_second: 5, burst: 5, per_address_per_second: 0 };
    const queued = await startGateway({ client: { connect_rate_limit: { ...rate, queue_timeout: '3s' } } });
    const refusing = await startGateway({ client: { connect_rate_limit: { ...rate, queue_timeout: '0s' } } });
    try {
      const burst = (port: number) => Promise.all(Array.from({ length: 12 }, () => statusLine(port, upgradeHead('/connection/websocket'))));
      // 5 at once, 7 in turn at 5/s: every one within 3 s, none refused.
      expect((await burst(queued.gateway.port)).filter((s) => s.startsWith('HTTP/1.1 101'))).toHaveLength(12);
      const waits = await (await fetch(`${queued.gateway.baseUrl}/metrics`)).text();
      expect(waits).toMatch(/^realtime_connect_queue_wait_seconds_count 7$/m);
      const statuses = await burst(refusing.gateway.port);
      expect(statuses.filter((s) => s.startsWith('HTTP/1.1 101'))).toHaveLength(5);
      expect(statuses.filter((s) => s === 'HTTP/1.1 503 Service Unavailable')).toHaveLength(7);
    } finally {
      await Promise.all([queued.close(), refusing.close()]);
    }
  });

  it('turns a storm of official clients into queued connects: each connects once, none is refused', async () => {
    const shaped = await startGateway({ client: { connect_rate_limit: { per_second: 20, burst: 5, per_address_per_second: 0, queue_timeout: '3s' } } });
    const clients = await Promise.all(Array.from({ length: 40 }, async (_, i) => newClient(shaped.url, { token: await shaped.token(`storm-${i}`) })));
    try {
      const errors: string[] = [];
      for (const client of clients) client.on('error', (ctx) => errors.push(ctx.error.message));
      for (const client of clients) client.connect();
      await Promise.all(clients.map((client) => client.ready(10_000)));
      expect(errors).toEqual([]);
      const metrics = await (await fetch(`${shaped.gateway.baseUrl}/metrics`)).text();
      expect(metrics).not.toMatch(/realtime_handshake_rejections_total\{reason="connect_rate_node"\} [1-9]/);
      expect(Number(/^realtime_connect_queue_wait_seconds_count (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      for (const client of clients) client.disconnect();
      await shaped.close();
    }
  });

  it('holds a reconnect storm in the accept queue while busy, instead of dropping SYNs', async () => {
    // While the event loop is busy, the kernel completes handshakes into the listen backlog. At
    // Node's default (511) the rest of a storm is dropped and waits out a 1 s SYN retransmit.
    const connects = 1500;
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { connect } from 'node:net';
      let connected = 0;
      for (let i = 0; i < ${connects}; i++) connect(${gw.gateway.port}, '127.0.0.1').on('connect', () => connected++).on('error', () => {});
      process.stdout.write('started\\n');
      setTimeout(() => { process.stdout.write('connected ' + connected + '\\n'); process.exit(0); }, 1500);
    `]);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    await until(() => output.includes('started'), 10_000);
    // The gateway shares this process: block it while the storm lands.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
    await until(() => output.includes('connected '), 10_000);
    // The kernel caps any backlog at net.core.somaxconn (its queue holds one more).
    const queue = Math.min(connects, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')) + 1);
    expect(Number(output.match(/connected (\d+)/)![1])).toBe(queue);
  }, 30_000);

  it('cuts a client that never finishes its request head within ~10 s', async () => {
    const socket = connect(gw.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // Read what comes (a 408), so the end of the stream is seen.
    socket.resume();
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});

describe('handshake strictness', () => {
  it('answers a plain GET on the WebSocket path with 426 and Upgrade: websocket', async () => {
    const response = await fetch(`${gw.gateway.baseUrl}/connection/websocket`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
  });

  it('refuses an HTTP/1.0 upgrade and an unparsable Sec-WebSocket-Extensions with 400', async () => {
    expect(await statusLine(gw.gateway.port, upgradeHead('/connection/websocket', '', '1.0'))).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusLine(gw.gateway.port, upgradeHead('/connection/websocket', 'Sec-WebSocket-Extensions: ;;=\r\n'))).toBe('HTTP/1.1 400 Bad Request');
  });
});

describe('server API keys', () => {
  /** POST from a chosen loopback address, so two sources can be told apart. */
  function postFrom(localAddress: string, key: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.gateway.port, path: '/api/info', method: 'POST', localAddress, headers: { 'X-API-Key': key } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
  }

  it('throttles wrong keys per source with 429, while a correct key from elsewhere still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await postFrom('127.0.0.3', 'wrong'));
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(await postFrom('127.0.0.3', TEST_API_KEY)).toBe(429);
    expect(await postFrom('127.0.0.4', TEST_API_KEY)).toBe(200);
  });

  it('refuses a key in the query string, which would end up in access logs', async () => {
    const response = await fetch(`${gw.apiUrl}/info?api_key=${TEST_API_KEY}`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect((await response.json()).error.message).toContain('http_api.allow_key_in_query');
  });
});

describe('readiness', () => {
  it('reports ready with each dependency checked', async () => {
    const response = await fetch(`${gw.gateway.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true, status: 'ready', checks: { broker: 'ok' } });
  });

  it('reports a gateway whose Redis is cut as degraded (503), and ready again once it is back', async () => {
    const url = await redisUrl();
    const proxy = await TcpForwarder.start(() => [Number(new URL(url).port)]);
    const prefix = uniquePrefix('readyz');
    const node = await startRedisGateway({ url: `redis://127.0.0.1:${proxy.port}`, prefix, commandTimeout: 300 });
    try {
      const readyz = async () => {
        const response = await fetch(`${node.gateway.baseUrl}/readyz`);
        return { status: response.status, body: await response.json() };
      };
      expect((await readyz()).status).toBe(200);
      proxy.cut();
      await until(async () => (await readyz()).status === 503, 5000, 'readyz to notice the cut');
      expect((await readyz()).body).toEqual({ ready: false, status: 'degraded', checks: { broker: 'unreachable' } });
      // The API says what to do, never the driver's words.
      const publish = await fetch(`${node.apiUrl}/publish`, { method: 'POST', headers: { 'X-API-Key': TEST_API_KEY, 'X-Centrifugo-Error-Mode': 'transport' }, body: JSON.stringify({ channel: 'x', data: 1 }) });
      const error = await publish.json();
      expect(error).toMatchObject({ code: 116 });
      expect(error.message).not.toMatch(/ioredis|ECONNREFUSED|Connection is closed|Stream/i);
      proxy.restore();
      await until(async () => (await readyz()).status === 200, 10_000, 'readyz back to ready');
    } finally {
      await node.close();
      await proxy.close();
      await dropPrefix(url, prefix);
      await stopRedis();
    }
  }, 30_000);

  it('answers bystanders after all of the above', async () => {
    const info = await callApi(gw.apiUrl, 'info', {});
    expect(info.nodes).toHaveLength(1);
    const client = newClient(gw.url, { token: await gw.token('after') });
    client.connect();
    await once(client, 'connected');
    client.disconnect();
  });
});
