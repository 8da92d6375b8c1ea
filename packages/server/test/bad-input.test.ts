import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient, until } from './support/client.js';
import { RawClient } from './support/raw-client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ websocket: { message_size_limit: 4096 }, client: { max_commands_per_frame: 10 } }, undefined, { captureLogs: true });
});
afterAll(() => gw.close());

/** After each bad input, a well-behaved client on the same gateway still gets its publications. */
async function gatewayStillServes(): Promise<void> {
  const client = newClient(gw.url, { token: await gw.token('bystander') });
  client.connect();
  const sub = client.newSubscription('chat:alive');
  const seen: unknown[] = [];
  sub.on('publication', (ctx) => seen.push(ctx.data));
  sub.subscribe();
  await sub.ready(3000);
  await gw.api('publish', { channel: 'chat:alive', data: { ok: true } });
  await until(() => seen.length === 1);
  client.disconnect();
}

async function rawConnected(): Promise<RawClient> {
  const raw = await RawClient.open(gw.url);
  await raw.connect(await gw.token('fuzzer'));
  return raw;
}

function logged(message: string): boolean {
  return gw.logs.some((line) => line.msg === message);
}

describe('bad input from clients', () => {
  it.each([
    ['malformed JSON', '{"id":1,"connect":', 'malformed frame'],
    ['a JSON array', '[1,2,3]', 'malformed frame'],
    ['an unknown method', '{"id":1,"teleport":{}}', 'malformed frame'],
    ['a wrong field type', '{"id":1,"connect":{"token":42}}', 'malformed frame'],
    ['an empty frame', '', 'malformed frame'],
  ])('closes with 3501 on %s, logs why, and keeps serving others', async (_name, frame, message) => {
    const raw = await RawClient.open(gw.url);
    raw.ws.send(frame);
    expect(await raw.closed).toEqual({ code: 3501, reason: 'bad request' });
    expect(logged(message)).toBe(true);
    await gatewayStillServes();
  });

  it('closes with 3501 on a command before connect', async () => {
    const raw = await RawClient.open(gw.url);
    raw.send({ id: 1, subscribe: { channel: 'chat:x' } });
    expect((await raw.closed).code).toBe(3501);
    expect(logged('command before connect')).toBe(true);
  });

  it('closes with 3501 on a second connect', async () => {
    const raw = await rawConnected();
    raw.send({ id: 2, connect: {} });
    expect((await raw.closed).code).toBe(3501);
    expect(logged('second connect')).toBe(true);
  });

  it('closes with 3501 on a batch over max_commands_per_frame', async () => {
    const raw = await rawConnected();
    raw.send(Array.from({ length: 11 }, (_, i) => ({ id: 10 + i, presence_stats: { channel: 'chat:x' } })));
    expect((await raw.closed).code).toBe(3501);
    expect(gw.logs.some((l) => /more than 10 commands/.test(l.detail ?? ''))).toBe(true);
    await gatewayStillServes();
  });

  it('closes with 1009 on an oversized frame and logs it', async () => {
    const raw = await rawConnected();
    raw.ws.send(JSON.stringify({ id: 2, publish: { channel: 'chat:x', data: 'y'.repeat(5000) } }));
    expect((await raw.closed).code).toBe(1009);
    await until(() => gw.logs.some((l) => l.reason === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
    await gatewayStillServes();
  });

  it('closes with 1007 on invalid UTF-8 and logs it', async () => {
    const raw = await rawConnected();
    // A lone continuation byte is not UTF-8 (RFC 3629); `ws` checks text frames (RFC 6455 §8.1).
    const invalid = Buffer.from([0x7b, 0x80, 0x7d]);
    (raw.ws as WebSocket).send(invalid, { binary: false });
    expect((await raw.closed).code).toBe(1007);
    await until(() => gw.logs.some((l) => l.reason === 'WS_ERR_INVALID_UTF8'));
    await gatewayStillServes();
  });

  it('answers error replies, not closes, for bad arguments of known commands', async () => {
    const raw = await rawConnected();
    raw.send([
      { id: 2, subscribe: { channel: 'nosuchns:x' } },
      { id: 3, subscribe: { channel: 'chat:' + 'x'.repeat(300) } },
      { id: 4, history: { channel: 'chat:x', since: { offset: 0, epoch: 'nope' }, limit: 5 } },
      { id: 5, presence: { channel: 'news:x' } },
    ]);
    expect((await raw.next((m) => m.id === 2)).error.code).toBe(102);
    expect((await raw.next((m) => m.id === 3)).error.code).toBe(107);
    expect((await raw.next((m) => m.id === 4)).error.code).toBe(103);
    expect((await raw.next((m) => m.id === 5)).error.code).toBe(108);
    raw.ws.close();
  });
});

describe('bad input to the server API', () => {
  const post = (path: string, body: string, headers: Record<string, string> = { 'X-API-Key': 'test-api-key' }) =>
    fetch(`${gw.apiUrl}${path}`, { method: 'POST', headers, body });

  it('answers malformed JSON with 400 and a JSON error', async () => {
    const res = await post('/publish', '{"channel":');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 107, message: 'bad request: body is not valid JSON' } });
  });

  it('answers a missing or wrong key with 401', async () => {
    expect((await post('/publish', '{}', {})).status).toBe(401);
    const wrong = await post('/publish', '{}', { Authorization: 'apikey wrong' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe(101);
    const right = await post('/info', '{}', { Authorization: 'apikey test-api-key' });
    expect(right.status).toBe(200);
  });

  it('answers an unknown method with 404 and a non-POST with 405', async () => {
    expect((await post('/teleport', '{}')).status).toBe(404);
    const get = await fetch(`${gw.apiUrl}/publish`, { headers: { 'X-API-Key': 'test-api-key' } });
    expect(get.status).toBe(405);
  });

  it('answers domain errors in Centrifugo form, or as HTTP status in transport mode', async () => {
    const res = await post('/publish', JSON.stringify({ channel: 'nosuchns:x', data: {} }));
    expect(res.status).toBe(200);
    expect((await res.json()).error.code).toBe(102);
    const missingData = await post('/publish', JSON.stringify({ channel: 'chat:x' }));
    expect((await missingData.json()).error).toMatchObject({ code: 107, message: expect.stringContaining('data') });
    const transport = await post('/publish', JSON.stringify({ channel: 'nosuchns:x', data: {} }), { 'X-API-Key': 'test-api-key', 'X-Centrifugo-Error-Mode': 'transport' });
    expect(transport.status).toBe(404);
    expect((await transport.json()).code).toBe(102);
  });

  it('runs batches in order and reports each command', async () => {
    const res = await post('/batch', JSON.stringify({ commands: [{ publish: { channel: 'news:b', data: { n: 1 } } }, { teleport: {} }, { publish: { channel: 'nosuchns:b', data: {} } }] }));
    const { result } = await res.json();
    expect(result.replies[0].publish.offset).toBe(1);
    expect(result.replies[1].error.code).toBe(104);
    expect(result.replies[2].error.code).toBe(102);
  });
});
