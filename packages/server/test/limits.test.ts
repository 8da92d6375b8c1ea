import { afterAll, describe, expect, it } from 'vitest';
import { newClient, once } from './support/client.js';
import { RawClient } from './support/raw-client.js';
import { gatewayPool, type TestGateway } from './support/gateway.js';

const gateway = gatewayPool(afterAll);

async function connectedRaw(gw: TestGateway, user: string): Promise<RawClient> {
  const raw = await RawClient.open(gw.url);
  await raw.connect(await gw.token(user));
  return raw;
}

describe('limits', () => {
  it('refuses connections over the node limit with 503 before the upgrade, and a connect that races past it with 3504', async () => {
    const gw = await gateway({ client: { connection_limit: 2 } });
    await connectedRaw(gw, 'a');
    // Upgraded while the node had room; it connects after the node filled up.
    const racing = await RawClient.open(gw.url);
    await connectedRaw(gw, 'b');
    await expect(RawClient.open(gw.url)).rejects.toThrow(/503/);
    racing.send({ id: 1, connect: { token: await gw.token('c') } });
    expect(await racing.closed).toEqual({ code: 3504, reason: 'connection limit: this node is full' });
  });

  it('closes connections over the per-user limit with 3504, and the SDK stops', async () => {
    const gw = await gateway({ client: { user_connection_limit: 1 } });
    await connectedRaw(gw, 'same');
    const client = newClient(gw.url, { token: await gw.token('same') });
    const disconnected = once<{ code: number }>(client, 'disconnected');
    client.connect();
    expect((await disconnected).code).toBe(3504);
  });

  it('closes with 1009 on a frame over the message size limit', async () => {
    const gw = await gateway({ websocket: { message_size_limit: 1024 } });
    const raw = await connectedRaw(gw, 'big');
    raw.ws.send(JSON.stringify({ id: 2, publish: { channel: 'x', data: 'a'.repeat(2000) } }));
    expect((await raw.closed).code).toBe(1009);
  });

  it('answers 111 over the command rate, then closes persistent abusers with 3013', async () => {
    const gw = await gateway({ client: { command_rate_limit: { per_second: 1, burst: 3, disconnect_after: 5 }, max_commands_per_frame: 100 } });
    const raw = await connectedRaw(gw, 'flood');
    raw.send(Array.from({ length: 6 }, (_, i) => ({ id: 10 + i, presence_stats: { channel: 'chat:r' } })));
    const limited = await raw.next((m) => m.id === 15);
    expect(limited.error).toEqual({ code: 111, message: 'too many requests', temporary: true });
    raw.send(Array.from({ length: 10 }, (_, i) => ({ id: 30 + i, presence_stats: { channel: 'chat:r' } })));
    expect(await raw.closed).toEqual({ code: 3013, reason: 'too many requests' });
  });

  it('gives an idle client its burst back, never more, and keeps counting what it was refused', async () => {
    const gw = await gateway({ client: { command_rate_limit: { per_second: 10, burst: 3, disconnect_after: 2 }, max_commands_per_frame: 100 } });
    const burst = async (raw: RawClient, first: number, count: number) => {
      raw.send(Array.from({ length: count }, (_, i) => ({ id: first + i, presence_stats: { channel: 'chat:r' } })));
      const replies = await Promise.all(Array.from({ length: count }, (_, i) => raw.next((m) => m.id === first + i)));
      // Any answer but 111 (this channel's presence is off: 103) means the command got through.
      return replies.map((m) => (m.error?.code === 111 ? 111 : 'ok'));
    };
    const idle = await connectedRaw(gw, 'idle');
    expect(await burst(idle, 10, 3)).toEqual(['ok', 'ok', 'ok']);
    // The sweeper (every second) finds the bucket full again and drops it; the next one starts at the burst.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await burst(idle, 20, 4)).toEqual(['ok', 'ok', 'ok', 111]);
    // Refused once: the bucket is kept when it refills, so the second refusal closes the connection.
    await new Promise((r) => setTimeout(r, 1500));
    idle.send(Array.from({ length: 4 }, (_, i) => ({ id: 30 + i, presence_stats: { channel: 'chat:r' } })));
    expect(await idle.closed).toEqual({ code: 3013, reason: 'too many requests' });
  });

  it('answers 106 past the channel limit', async () => {
    const gw = await gateway({ client: { channel_limit: 2 } });
    const raw = await connectedRaw(gw, 'many');
    raw.send([1, 2, 3].map((n) => ({ id: 10 + n, subscribe: { channel: `chat:c${n}` } })));
    const third = await raw.next((m) => m.id === 13);
    expect(third.error.code).toBe(106);
    expect((await raw.next((m) => m.id === 12)).subscribe).toBeDefined();
  });

  it('closes a client that does not answer pings with 3012', async () => {
    const gw = await gateway({ client: { ping_interval: '1s', pong_timeout: '300ms' } });
    const raw = await RawClient.open(gw.url);
    const result = await raw.connect(await gw.token('silent'));
    expect(result).toMatchObject({ ping: 1, pong: true });
    expect(await raw.closed).toEqual({ code: 3012, reason: 'no pong' });
    expect(raw.messages).toContainEqual({});
  });

  it('keeps a client that answers pings', async () => {
    const gw = await gateway({ client: { ping_interval: '1s', pong_timeout: '300ms' } });
    const client = newClient(gw.url, { token: await gw.token('polite') });
    let disconnects = 0;
    client.on('disconnected', () => (disconnects += 1));
    client.on('connecting', (ctx) => ctx.code !== 0 && (disconnects += 1));
    client.connect();
    await client.ready(3000);
    client.newSubscription('chat:keep').subscribe();
    await new Promise((r) => setTimeout(r, 2600));
    expect(disconnects).toBe(0);
    expect(client.state).toBe('connected');
    client.disconnect();
  });

  it('closes a socket that never sends connect with 3502', async () => {
    const gw = await gateway({ client: { stale_close_delay: '300ms' } });
    const raw = await RawClient.open(gw.url);
    expect(await raw.closed).toEqual({ code: 3502, reason: 'stale' });
  });

  it('closes an idle connection without subscriptions with 4500', async () => {
    const gw = await gateway({ client: { idle_timeout: '500ms' } });
    const raw = await connectedRaw(gw, 'idle');
    expect(await raw.closed).toEqual({ code: 4500, reason: 'idle timeout' });
  });

  it('sheds a slow consumer whose unsent bytes pass the queue limit with 3008', async () => {
    const gw = await gateway({ client: { queue_max_size: 65536 } });
    const raw = await connectedRaw(gw, 'slow');
    raw.send({ id: 2, subscribe: { channel: 'chat:firehose' } });
    await raw.next((m) => m.id === 2);
    // Stop reading: the kernel buffers fill, then the server's queue grows.
    (raw.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 400; i++) {
      await gw.api('publish', { channel: 'chat:firehose', data: { i, payload } });
      const info = await gw.api('info', {});
      if (info.nodes[0].num_clients === 0) break;
    }
    const metrics = await (await fetch(gw.apiUrl.replace('/api', '/metrics'))).text();
    expect(metrics).toMatch(/realtime_disconnects_total\{code="3008",reason="slow"\} 1/);
  });
});
