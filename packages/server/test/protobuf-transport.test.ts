import { Centrifuge, type Options } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedTransport as connected, follow, once, until } from './support/client.js';
import { TRANSPORT_TEST_CONFIG, TRANSPORT_TEST_RPC, transportList, type FallbackTransport } from './support/fallback.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/**
 * The SDK's protobuf build (`centrifuge-protobuf`) against the gateway, over WebSocket (binary
 * frames) and over http_stream (octet-stream bodies, commands through `/emulation`).
 */

/** The protobuf build hands payloads over as bytes: the application's JSON, in UTF-8. */
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parsed = (payload: unknown): unknown => JSON.parse(new TextDecoder().decode(payload as Uint8Array));

let gw: TestGateway;
let base: string;

beforeAll(async () => {
  gw = await startGateway(TRANSPORT_TEST_CONFIG, TRANSPORT_TEST_RPC, { captureLogs: true });
  base = gw.gateway.baseUrl;
});
afterAll(() => gw.close());

function protobufClient(transport: FallbackTransport, options: Partial<Options> = {}): Centrifuge {
  return new Centrifuge(transportList(base, [transport]), {
    websocket: WebSocket,
    fetch: globalThis.fetch,
    readableStream: globalThis.ReadableStream,
    emulationEndpoint: `${base}/emulation`,
    minReconnectDelay: 50,
    maxReconnectDelay: 500,
    timeout: 3000,
    ...options,
  });
}


describe.each<FallbackTransport>(['websocket', 'http_stream'])('the SDK protobuf build over %s', (transport) => {
  it('connects, subscribes, receives, publishes, and asks presence, history and RPC', async () => {
    const user = `pb-${transport}-1`;
    const client = protobufClient(transport, { token: await gw.token(user) });
    expect(await connected(client)).toBe(transport);
    const channel = `runs:pb-${transport}-basic`;
    const { sub, data } = await follow(client, channel);
    await gw.api('publish', { channel, data: { step: 1, text: 'π ≈ 3.14' } });
    await sub.publish(bytes({ step: 2 }));
    await until(() => data.length === 2, 5000, 'both publications');
    expect(data.map(parsed)).toEqual([{ step: 1, text: 'π ≈ 3.14' }, { step: 2 }]);
    const presence = await sub.presence();
    expect(Object.values(presence.clients).map((c) => c.user)).toEqual([user]);
    const history = await sub.history({ limit: 10 });
    expect(history.publications.map((p) => parsed(p.data))).toEqual([{ step: 1, text: 'π ≈ 3.14' }, { step: 2 }]);
    const rpc = await client.rpc('runs.start', bytes({ run: 42 }));
    expect(parsed(rpc.data)).toEqual({ started: true, by: user, echo: { run: 42 } });
    client.disconnect();
  });

  it('recovers what was published while it reconnected, with no gap and no duplicate', async () => {
    const user = `pb-${transport}-recover`;
    const client = protobufClient(transport, { token: await gw.token(user), minReconnectDelay: 400, maxReconnectDelay: 600 });
    await connected(client);
    const channel = `runs:pb-${transport}-recover`;
    const { sub, offsets, data } = await follow(client, channel);
    for (let i = 1; i <= 3; i++) await gw.api('publish', { channel, data: { i } });
    await until(() => offsets.length === 3);
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await gw.api('disconnect', { user, disconnect: { code: 4000, reason: 'test reconnect' } });
    for (let i = 4; i <= 8; i++) await gw.api('publish', { channel, data: { i } });
    expect(await resubscribed).toMatchObject({ wasRecovering: true, recovered: true });
    await until(() => offsets.length >= 8);
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(data.map(parsed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ i })));
    client.disconnect();
  });
});

describe('protobuf over a raw WebSocket', () => {
  it('echoes the centrifuge-protobuf subprotocol and closes 3501, with a log line, on a frame that does not decode', async () => {
    const ws = new WebSocket(gw.url, 'centrifuge-protobuf');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('centrifuge-protobuf');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    // A length prefix of 10 with only two bytes behind it.
    ws.send(Uint8Array.of(10, 8, 1));
    expect(await closed).toEqual({ code: 3501, reason: 'bad request' });
    await until(() => gw.logs.some((line) => line.msg === 'malformed frame' && line.transport === 'websocket'), 3000, 'the log line');
  });

  it('carries bytes where Centrifugo does, answers an RPC of bytes to an in-process handler with 107 and goes on, and closes on a send of bytes as on any send (3508)', async () => {
    const { sdkProtobuf } = await import('../../protocol/test/sdk-codecs.js');
    const ws = new WebSocket(`${gw.url}?cf_protocol=protobuf`);
    ws.binaryType = 'nodebuffer';
    const replies: Record<string, any>[] = [];
    ws.on('message', (data: Buffer) => replies.push(...sdkProtobuf.decodeReplies(new Uint8Array(data))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const token = await gw.token('pb-binary');
    // Connect data of bytes: without a connect proxy nothing reads it, as in Centrifugo.
    ws.send(sdkProtobuf.encodeCommands([{ id: 1, connect: { token, data: Uint8Array.of(0xff, 0x01) } }]));
    await until(() => replies.some((r) => r.id === 1));
    expect(replies.find((r) => r.id === 1)?.connect).toBeTruthy();
    ws.send(sdkProtobuf.encodeCommands([
      { id: 2, subscribe: { channel: 'runs:pb-bytes', data: Uint8Array.of(0xff, 0xfe) } },
      { id: 3, rpc: { method: 'runs.start', data: new TextEncoder().encode('{"ok":1}') } },
      // RPC data may be bytes, but only the RPC proxy takes them: the gateway's own handlers read JSON.
      { id: 4, rpc: { method: 'runs.start', data: Uint8Array.of(0xff, 0xfe) } },
    ]));
    await until(() => replies.some((r) => r.id === 3) && replies.some((r) => r.id === 4));
    expect(replies.find((r) => r.id === 2)).toMatchObject({ subscribe: {} });
    expect(replies.find((r) => r.id === 2)?.error ?? null).toBeNull();
    expect(replies.find((r) => r.id === 4)?.error).toMatchObject({ code: 107, message: expect.stringMatching(/rpc data is not JSON/) });
    expect(JSON.parse(new TextDecoder().decode(replies.find((r) => r.id === 3)?.rpc?.data))).toEqual({ started: true, by: 'pb-binary', echo: { ok: 1 } });
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])));
    ws.send(sdkProtobuf.encodeCommands([{ send: { data: Uint8Array.of(0xff, 0xfd) } }]));
    expect(await closed).toEqual([3508, expect.stringMatching(/^not available/)]);
  });

  it('refuses a protobuf /emulation body that does not decode with 400 and a log line', async () => {
    const response = await fetch(`${base}/emulation`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: Uint8Array.of(0x0a, 0x40, 0x41) });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^protobuf emulation request does not decode/);
    expect(gw.logs.some((line) => line.event === 'emulation_rejected' && line.reason === 'bad_request')).toBe(true);
  });

  it('never agrees to centrifuge-protobuf on uni_websocket, which speaks JSON only', async () => {
    const uni = await startGateway({ uni_websocket: { enabled: true } });
    try {
      const ws = new WebSocket(`${uni.gateway.baseUrl.replace('http', 'ws')}/connection/uni_websocket`, ['centrifuge-protobuf', 'centrifuge-json']);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      expect(ws.protocol).toBe('centrifuge-json');
      ws.close();
    } finally {
      await uni.close();
    }
  });
});
