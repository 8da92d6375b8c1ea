import { Centrifuge as ProtobufCentrifuge, type Options } from 'centrifuge/build/protobuf';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, until } from './support/client.js';
import { startGateway, TEST_API_KEY, TEST_SECRET, type TestGateway } from './support/gateway.js';
import { startBackend } from './support/backend.js';
import { dropPrefix, redisUrl, startRedisGateway, uniquePrefix } from './support/redis.js';

/**
 * Binary payloads, as Centrifugo carries them: the API's `b64data`, and a protobuf client's publish
 * of bytes that are not JSON. Protobuf clients get the bytes untouched, live, from history, after
 * recovery and as fossil deltas; JSON clients get JSON text as JSON and other bytes as base64.
 */

const CONFIG = {
  channel: {
    namespaces: [{
      name: 'bin', history_size: 100, history_ttl: '300s', force_recovery: true, allowed_delta_types: ['fossil'],
      allow_subscribe_for_client: true, allow_publish_for_subscriber: true, allow_history_for_subscriber: true,
    }],
  },
};

/** Bytes that are no UTF-8 (0xff never is), like any protobuf-encoded message may be. */
const notJson = (step: number): Uint8Array => Uint8Array.of(0x08, step, 0x12, 0x04, 0xff, 0xfe, 0x00, step, 0x1a, 0x02, 0x68, 0x69);
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const asBytes = (data: unknown): number[] => [...(data as Uint8Array)];

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway(CONFIG, undefined, { captureLogs: true });
});
afterAll(() => gw.close());

function protobufClient(token: string, options: Partial<Options> = {}): ProtobufCentrifuge {
  return new ProtobufCentrifuge(gw.url, { websocket: WebSocket, token, minReconnectDelay: 50, maxReconnectDelay: 500, timeout: 3000, ...options });
}

describe('b64data through the server API', () => {
  it('reaches protobuf subscribers as the very bytes, and JSON subscribers as base64, or as JSON when the bytes are JSON text', async () => {
    const channel = 'bin:api';
    const pb = protobufClient(await gw.token('bin-pb'));
    const json = newClient(gw.url, { token: await gw.token('bin-json') });
    pb.connect();
    json.connect();
    const pbSub = await follow(pb, channel);
    const jsonSub = await follow(json, channel);
    await gw.api('publish', { channel, b64data: base64(notJson(1)) });
    await gw.api('publish', { channel, b64data: base64(new TextEncoder().encode('{"step":2}')) });
    await gw.api('broadcast', { channels: [channel], b64data: base64(notJson(3)) });
    await until(() => pbSub.data.length === 3 && jsonSub.data.length === 3, 5000, 'three publications on both');
    expect(pbSub.data.map(asBytes)).toEqual([asBytes(notJson(1)), [...new TextEncoder().encode('{"step":2}')], asBytes(notJson(3))]);
    expect(jsonSub.data).toEqual([base64(notJson(1)), { step: 2 }, base64(notJson(3))]);
    expect(pbSub.offsets).toEqual([1, 2, 3]);
    // The API's own history gives binary data back as b64data.
    const history = await gw.api('history', { channel, limit: 10 });
    expect(history.publications.map((p: { b64data?: string; data?: unknown }) => p.b64data ?? p.data)).toEqual([
      base64(notJson(1)), base64(new TextEncoder().encode('{"step":2}')), base64(notJson(3)),
    ]);
    pb.disconnect();
    json.disconnect();
  });

  it('refuses b64data that is not standard base64, and a publish with neither data nor b64data, with error 107 naming the field, storing nothing', async () => {
    for (const [body, message] of [
      [{ channel: 'bin:bad', b64data: 'not base64!' }, /b64data must be standard base64/],
      [{ channel: 'bin:bad', b64data: 'QUJD' + 'RA' }, /b64data must be standard base64/],
      [{ channel: 'bin:bad' }, /data \(or b64data\) is required/],
    ] as const) {
      const response = await fetch(`${gw.gateway.apiUrl}/publish`, { method: 'POST', headers: { 'X-API-Key': TEST_API_KEY }, body: JSON.stringify(body) });
      // As in Centrifugo, an API error is an HTTP 200 with an error body (unless http_api.error_mode is transport).
      expect(response.status).toBe(200);
      expect((await response.json()).error).toMatchObject({ code: 107, message: expect.stringMatching(message) });
    }
    expect((await gw.api('history', { channel: 'bin:bad', limit: 10 })).publications).toEqual([]);
  });
});

describe('a protobuf client publishing bytes that are not JSON', () => {
  it('publishes them as they are, readable from history, and recovered without a gap after a reconnect', async () => {
    const channel = 'bin:client';
    const publisher = protobufClient(await gw.token('bin-publisher'));
    const reader = protobufClient(await gw.token('bin-reader'), { minReconnectDelay: 300, maxReconnectDelay: 400 });
    publisher.connect();
    reader.connect();
    const pubSide = await follow(publisher, channel);
    const { sub, data, offsets } = await follow(reader, channel);
    await pubSide.sub.publish(notJson(1));
    await until(() => data.length === 1, 5000, 'the first publication');
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await gw.api('disconnect', { user: 'bin-reader', disconnect: { code: 4000, reason: 'test reconnect' } });
    for (let step = 2; step <= 4; step++) await pubSide.sub.publish(notJson(step));
    expect(await resubscribed).toMatchObject({ wasRecovering: true, recovered: true });
    await until(() => data.length === 4, 5000, 'the recovered publications');
    expect(offsets).toEqual([1, 2, 3, 4]);
    expect(data.map(asBytes)).toEqual([1, 2, 3, 4].map((step) => asBytes(notJson(step))));
    const history = await pubSide.sub.history({ limit: 10 });
    expect(history.publications.map((p) => asBytes(p.data))).toEqual([1, 2, 3, 4].map((step) => asBytes(notJson(step))));
    publisher.disconnect();
    reader.disconnect();
  });

  it('cannot be imitated by a JSON client: its "binary" flag is ignored and its data stays a JSON string', async () => {
    const channel = 'bin:forged';
    const json = newClient(gw.url, { token: await gw.token('bin-forger') });
    json.connect();
    const { data } = await follow(json, channel);
    const pb = protobufClient(await gw.token('bin-forged-reader'));
    pb.connect();
    const pbSide = await follow(pb, channel);
    // The SDK sends `{"publish":{"channel","data"}}`; a hand-made frame may add what it likes.
    const ws = new WebSocket(gw.url);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(`${JSON.stringify({ id: 1, connect: { token: await gw.token('bin-raw') } })}\n${JSON.stringify({ id: 2, subscribe: { channel } })}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    ws.send(JSON.stringify({ id: 3, publish: { channel, data: '%%% not base64', binary: true } }));
    await until(() => data.length === 1 && pbSide.data.length === 1, 5000, 'the publication');
    expect(data).toEqual(['%%% not base64']);
    expect(JSON.parse(new TextDecoder().decode(pbSide.data[0] as Uint8Array))).toBe('%%% not base64');
    ws.close();
    json.disconnect();
    pb.disconnect();
  });
});

describe('binary data and the publish proxy', () => {
  it('sends a protobuf client\'s bytes to the back end as b64data, and publishes them as they are once it accepts, or the bytes it rewrites them to', async () => {
    const backend = await startBackend();
    backend.on('/publish', ({ body }) => ({ body: { result: body.data?.rewrite ? { b64data: base64(notJson(10)) } : {} } }));
    const proxied = await startGateway({
      channel: {
        proxy: { publish: { endpoint: `${backend.url}/publish`, timeout: '1s' } },
        namespaces: [{ name: 'checked', publish_proxy_enabled: true, allow_subscribe_for_client: true }],
      },
    });
    try {
      const client = new ProtobufCentrifuge(proxied.url, { websocket: WebSocket, token: await proxied.token('bin-proxied'), timeout: 3000 });
      client.connect();
      const { sub, data } = await follow(client, 'checked:run');
      await sub.publish(notJson(9));
      await until(() => data.length === 1, 5000, 'the accepted publication');
      expect(asBytes(data[0])).toEqual(asBytes(notJson(9)));
      const asked = backend.requests.find((request) => request.path === '/publish')!.body;
      expect(asked).toMatchObject({ channel: 'checked:run', b64data: base64(notJson(9)) });
      expect(asked.data).toBeUndefined();
      await sub.publish(new TextEncoder().encode('{"rewrite":true}'));
      await until(() => data.length === 2, 5000, 'the rewritten publication');
      expect(asBytes(data[1])).toEqual(asBytes(notJson(10)));
      client.disconnect();
    } finally {
      await proxied.close();
      await backend.close();
    }
  });
});

describe('binary data and the connect and subscribe proxies', () => {
  const reversed = (b64: string): string => base64(Uint8Array.from(Buffer.from(b64, 'base64')).reverse());
  const jsonText = (value: unknown): string => base64(new TextEncoder().encode(JSON.stringify(value)));

  it('sends a protobuf client\'s connect and subscribe bytes as b64data and gives it the b64data answers, server-side subscriptions\' too, as bytes; a JSON client gets JSON text as JSON and other bytes as base64', async () => {
    const backend = await startBackend();
    // Bytes come back reversed; a JSON client's data comes back as the JSON text of {echo: data}.
    const answerData = (body: Record<string, any>): string => (body.b64data ? reversed(body.b64data) : jsonText({ echo: body.data }));
    backend.on('/connect', ({ body }) => ({
      body: { result: { user: body.b64data ? 'bin-connect-pb' : 'bin-connect-json', b64data: answerData(body), subs: { 'checked:server': { b64data: base64(notJson(2)) } } } },
    }));
    backend.on('/subscribe', ({ body }) => ({ body: { result: { b64data: answerData(body) } } }));
    const proxied = await startGateway({
      client: { proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect`, timeout: '1s' } } },
      channel: { proxy: { subscribe: { endpoint: `${backend.url}/subscribe`, timeout: '1s' } }, namespaces: [{ name: 'checked', subscribe_proxy_enabled: true }] },
    });
    try {
      const pb = new ProtobufCentrifuge(proxied.url, { websocket: WebSocket, data: notJson(1), timeout: 3000 });
      const pbConnected = once<{ data?: unknown }>(pb, 'connected', 5000);
      const pbServerSub = once<{ channel: string; data?: unknown }>(pb, 'subscribed', 5000);
      pb.connect();
      expect(asBytes((await pbConnected).data)).toEqual(asBytes(notJson(1)).reverse());
      expect(await pbServerSub).toMatchObject({ channel: 'checked:server' });
      expect(asBytes((await pbServerSub).data)).toEqual(asBytes(notJson(2)));
      const pbSub = pb.newSubscription('checked:run', { data: notJson(3) });
      const pbSubscribed = once<{ data?: unknown }>(pbSub, 'subscribed', 5000);
      pbSub.subscribe();
      expect(asBytes((await pbSubscribed).data)).toEqual(asBytes(notJson(3)).reverse());
      const connectAsked = backend.requests.find((request) => request.path === '/connect')!.body;
      expect(connectAsked).toMatchObject({ protocol: 'protobuf', encoding: 'json', b64data: base64(notJson(1)) });
      expect(connectAsked.data).toBeUndefined();
      const subscribeAsked = backend.requests.find((request) => request.path === '/subscribe')!.body;
      expect(subscribeAsked).toMatchObject({ channel: 'checked:run', user: 'bin-connect-pb', protocol: 'protobuf', b64data: base64(notJson(3)) });
      expect(subscribeAsked.data).toBeUndefined();

      const json = newClient(proxied.url, { data: { hello: 1 } });
      const jsonConnected = once<{ data?: unknown }>(json, 'connected', 5000);
      const jsonServerSub = once<{ data?: unknown }>(json, 'subscribed', 5000);
      json.connect();
      expect((await jsonConnected).data).toEqual({ echo: { hello: 1 } });
      expect((await jsonServerSub).data).toBe(base64(notJson(2)));
      const jsonSub = json.newSubscription('checked:run', { data: { room: 7 } });
      const jsonSubscribed = once<{ data?: unknown }>(jsonSub, 'subscribed', 5000);
      jsonSub.subscribe();
      expect((await jsonSubscribed).data).toEqual({ echo: { room: 7 } });
      expect(backend.requests.filter((request) => request.path === '/subscribe')[1]!.body).toMatchObject({ data: { room: 7 }, protocol: 'json' });
      pb.disconnect();
      json.disconnect();
    } finally {
      await proxied.close();
      await backend.close();
    }
  });

  it('refuses a connect answer whose b64data or subs are malformed with a temporary error, logged and counted, and never connects on it', async () => {
    const backend = await startBackend();
    const answers = [{ user: 'u', b64data: 'not base64!' }, { user: 'u', subs: { 'checked:x': { override: { presence: { value: 'yes' } } } } }];
    let asked = 0;
    backend.on('/connect', () => ({ body: { result: answers[asked++ % answers.length] } }));
    const proxied = await startGateway({ client: { proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect`, timeout: '1s' } } } }, undefined, { captureLogs: true });
    try {
      for (const detail of [/b64data is not standard base64/, /subs: invalid claims: subs\.checked:x\.override\.presence/]) {
        const ws = new WebSocket(proxied.url);
        await new Promise((resolve) => ws.once('open', resolve));
        const reply = new Promise<Record<string, any>>((resolve) => ws.once('message', (frame) => resolve(JSON.parse(String(frame)))));
        ws.send(JSON.stringify({ id: 1, connect: { data: { n: 1 } } }));
        expect((await reply).error).toMatchObject({ code: 100, temporary: true });
        await until(() => proxied.logs.some((line) => line.event === 'proxy_failed' && line.reason === 'malformed' && detail.test(String(line.detail))), 3000, 'the log line');
        ws.close();
      }
      expect(proxied.gateway.node.sessions.size).toBe(0);
    } finally {
      await proxied.close();
      await backend.close();
    }
  });
});

describe('binary data in tokens', () => {
  it('gives a connection token\'s subs b64data and a subscription token\'s b64data to a protobuf client as the bytes', async () => {
    const secret = new TextEncoder().encode(TEST_SECRET);
    const connectionToken = await new SignJWT({ sub: 'bin-token', subs: { 'bin:token-server': { b64data: base64(notJson(11)) } } }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const subscriptionToken = await new SignJWT({ sub: 'bin-token', channel: 'bin:token-sub', b64data: base64(notJson(12)) }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const pb = protobufClient(connectionToken);
    const serverSub = once<{ channel: string; data?: unknown }>(pb, 'subscribed', 5000);
    pb.connect();
    expect(await serverSub).toMatchObject({ channel: 'bin:token-server' });
    expect(asBytes((await serverSub).data)).toEqual(asBytes(notJson(11)));
    const sub = pb.newSubscription('bin:token-sub', { token: subscriptionToken });
    const subscribed = once<{ data?: unknown }>(sub, 'subscribed', 5000);
    sub.subscribe();
    expect(asBytes((await subscribed).data)).toEqual(asBytes(notJson(12)));
    pb.disconnect();
  });
});

describe('binary data and the RPC proxy', () => {
  it('sends a protobuf client\'s bytes as b64data and gives it the b64data answer as bytes; a JSON client gets JSON text as JSON and other bytes as base64', async () => {
    const backend = await startBackend();
    // The back end answers bytes with the bytes reversed, `want` with the bytes it names, other JSON with its own text.
    const answers: Record<string, Uint8Array> = { json: new TextEncoder().encode('{"step":3}'), bytes: notJson(4) };
    const answer = (body: Record<string, any>): Uint8Array => {
      if (body.b64data) return Uint8Array.from(Buffer.from(body.b64data, 'base64')).reverse();
      return answers[body.data?.want] ?? new TextEncoder().encode(JSON.stringify(body.data));
    };
    backend.on('/rpc', ({ body }) => ({ body: { result: { b64data: base64(answer(body)) } } }));
    const proxied = await startGateway({ rpc: { proxy: { endpoint: `${backend.url}/rpc`, timeout: '1s' }, without_namespace: { proxy_enabled: true } } });
    try {
      const pb = new ProtobufCentrifuge(proxied.url, { websocket: WebSocket, token: await proxied.token('bin-rpc-pb'), timeout: 3000 });
      pb.connect();
      const { data } = await pb.rpc('bin.echo', notJson(5));
      expect(asBytes(data)).toEqual(asBytes(notJson(5)).reverse());
      const asked = backend.requests.find((request) => request.path === '/rpc')!.body;
      expect(asked).toMatchObject({ method: 'bin.echo', protocol: 'protobuf', encoding: 'json', b64data: base64(notJson(5)) });
      expect(asked.data).toBeUndefined();
      // Bytes that are JSON text go to the back end as JSON, as Centrifugo sends them, and its bytes come back exactly.
      const jsonText = await pb.rpc('bin.echo', new TextEncoder().encode('{"a": 1}'));
      expect(backend.requests.filter((request) => request.path === '/rpc')[1]!.body).toMatchObject({ data: { a: 1 } });
      expect(new TextDecoder().decode(jsonText.data as Uint8Array)).toBe('{"a":1}');

      const json = newClient(proxied.url, { token: await proxied.token('bin-rpc-json') });
      json.connect();
      expect((await json.rpc('bin.answer', { want: 'json' })).data).toEqual({ step: 3 });
      expect((await json.rpc('bin.answer', { want: 'bytes' })).data).toBe(base64(notJson(4)));
      pb.disconnect();
      json.disconnect();
    } finally {
      await proxied.close();
      await backend.close();
    }
  });

  it('answers 100 and logs why when the back end\'s b64data is not base64', async () => {
    const backend = await startBackend();
    backend.on('/rpc', () => ({ body: { result: { b64data: 'not base64!' } } }));
    const proxied = await startGateway({ rpc: { proxy: { endpoint: `${backend.url}/rpc`, timeout: '1s' }, without_namespace: { proxy_enabled: true } } }, undefined, { captureLogs: true });
    try {
      const pb = new ProtobufCentrifuge(proxied.url, { websocket: WebSocket, token: await proxied.token('bin-rpc-bad'), timeout: 3000 });
      pb.connect();
      await expect(pb.rpc('bin.echo', notJson(6))).rejects.toMatchObject({ code: 100 });
      await until(() => proxied.logs.some((line) => line.event === 'proxy_failed' && line.reason === 'malformed' && /b64data is not standard base64/.test(String(line.detail))), 3000, 'the log line');
      pb.disconnect();
    } finally {
      await proxied.close();
      await backend.close();
    }
  });
});

describe('binary data and fossil delta', () => {
  it('rebuilds every binary publication from patches on the protobuf build, and every one on the JSON build', async () => {
    const channel = 'bin:delta';
    const pb = protobufClient(await gw.token('bin-delta-pb'));
    const json = newClient(gw.url, { token: await gw.token('bin-delta-json') });
    const pbData: unknown[] = [];
    const jsonData: unknown[] = [];
    pb.connect();
    json.connect();
    const pbSub = pb.newSubscription(channel, { delta: 'fossil' });
    const jsonSub = json.newSubscription(channel, { delta: 'fossil' });
    pbSub.on('publication', (ctx) => pbData.push(ctx.data));
    jsonSub.on('publication', (ctx) => jsonData.push(ctx.data));
    pbSub.subscribe();
    jsonSub.subscribe();
    await Promise.all([pbSub.ready(3000), jsonSub.ready(3000)]);
    // A long payload with one byte changing per step, so that patches are smaller than it.
    const payload = (step: number) => Uint8Array.from({ length: 200 }, (_, i) => (i === 100 ? step : (i * 7) % 256));
    for (let step = 1; step <= 5; step++) await gw.api('publish', { channel, b64data: base64(payload(step)), delta: true });
    await until(() => pbData.length === 5 && jsonData.length === 5, 5000, 'five publications on both');
    expect(pbData.map(asBytes)).toEqual([1, 2, 3, 4, 5].map((step) => asBytes(payload(step))));
    expect(jsonData).toEqual([1, 2, 3, 4, 5].map((step) => base64(payload(step))));
    pb.disconnect();
    json.disconnect();
  });
});

describe('binary data on Redis', () => {
  it('crosses nodes and comes back from the stream as the same bytes', async () => {
    const url = await redisUrl();
    const prefix = uniquePrefix('binary');
    const a = await startRedisGateway({ url, prefix }, CONFIG);
    const b = await startRedisGateway({ url, prefix }, CONFIG);
    try {
      const channel = 'bin:redis';
      const reader = new ProtobufCentrifuge(b.url, { websocket: WebSocket, token: await b.token('bin-redis'), timeout: 3000 });
      reader.connect();
      const { data } = await follow(reader, channel);
      await a.api('publish', { channel, b64data: base64(notJson(7)) });
      await until(() => data.length === 1, 5000, 'the publication on the other node');
      expect(asBytes(data[0])).toEqual(asBytes(notJson(7)));
      const history = await reader.history(channel, { limit: 10 });
      expect(history.publications.map((p) => asBytes(p.data))).toEqual([asBytes(notJson(7))]);
      reader.disconnect();
    } finally {
      await a.close();
      await b.close();
      await dropPrefix(url, prefix);
    }
  });
});
