import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, pushes, recordingWebSocket, until } from './support/client.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/**
 * Channel compaction, as the centrifuge library's `AllowChannelCompaction` and the official SDK
 * (which asks for it in every subscribe, flag bit 1) do it: where the namespace allows it, the
 * subscribe result carries an `id` and the channel's publications, joins and leaves carry that id
 * in place of the channel name.
 */

const CHANNEL = 'compact:execution-8f14e45f-ceea-467f-a0e6-0123456789ab';

const CONFIG = {
  channel: {
    namespaces: [
      {
        name: 'compact', allow_channel_compaction: true, history_size: 100, history_ttl: '300s', force_recovery: true, join_leave: true, force_push_join_leave: true,
        allowed_delta_types: ['fossil'], allow_subscribe_for_client: true, allow_publish_for_subscriber: true,
      },
      { name: 'named', allow_subscribe_for_client: true },
    ],
  },
};


let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway(CONFIG);
});
afterAll(() => gw.close());

describe('channel compaction', () => {
  it('addresses publications, joins and leaves to the official SDK by id, and they reach the subscription', async () => {
    const frames: string[] = [];
    const client = newClient(gw.url, { token: await gw.token('compact-reader'), websocket: recordingWebSocket(frames) });
    client.connect();
    const sub = client.newSubscription(CHANNEL, { delta: 'fossil' });
    const data: unknown[] = [];
    const joined: string[] = [];
    const left: string[] = [];
    sub.on('publication', (ctx) => data.push(ctx.data));
    sub.on('join', (ctx) => joined.push(ctx.info.user));
    sub.on('leave', (ctx) => left.push(ctx.info.user));
    const subscribed = once<{ channel: string }>(sub, 'subscribed');
    sub.subscribe();
    await subscribed;
    const reply = frames.flatMap((f) => f.split('\n')).map((l) => JSON.parse(l)).find((m) => m.subscribe);
    expect(reply.subscribe.id).toBeGreaterThan(0);

    const other = newClient(gw.url, { token: await gw.token('compact-other') });
    other.connect();
    await follow(other, CHANNEL);
    const documents = [1, 2, 3].map((step) => ({ run: 'execution-8f14e45f', status: 'running', step, last_line: `step ${step} of 3 passed` }));
    for (const doc of documents) await gw.api('publish', { channel: CHANNEL, data: doc, delta: true });
    await until(() => data.length === 3 && joined.includes('compact-other'), 5000, 'the publications and the join');
    other.disconnect();
    await until(() => left.includes('compact-other'), 5000, 'the leave');

    expect(data).toEqual(documents);
    const channelPushes = pushes(frames).filter((push) => push.pub || push.join || push.leave);
    expect(channelPushes.length).toBeGreaterThanOrEqual(5);
    for (const push of channelPushes) {
      expect(push.id).toBe(reply.subscribe.id);
      expect(push.channel).toBeUndefined();
    }
    // Later publications are patches, still addressed by id.
    expect(channelPushes.filter((push) => push.pub?.delta === true).length).toBe(2);
    client.disconnect();
  });

  it('recovers what was published while the client was away, and addresses the new subscription by its id', async () => {
    const channel = 'compact:recovery';
    const frames: string[] = [];
    const client = newClient(gw.url, { token: await gw.token('compact-recovering'), websocket: recordingWebSocket(frames), minReconnectDelay: 300, maxReconnectDelay: 400 });
    client.connect();
    const { sub, offsets, data } = await follow(client, channel);
    await gw.api('publish', { channel, data: { n: 1 } });
    await until(() => data.length === 1, 5000, 'the first publication');
    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed');
    await gw.api('disconnect', { user: 'compact-recovering', disconnect: { code: 4000, reason: 'test reconnect' } });
    for (let n = 2; n <= 3; n++) await gw.api('publish', { channel, data: { n } });
    expect(await resubscribed).toMatchObject({ wasRecovering: true, recovered: true });
    await gw.api('publish', { channel, data: { n: 4 } });
    await until(() => data.length === 4, 5000, 'the recovered and the live publications');
    expect(offsets).toEqual([1, 2, 3, 4]);
    expect(data).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const replies = frames.flatMap((f) => f.split('\n')).map((l) => JSON.parse(l)).filter((m) => m.subscribe);
    expect(replies).toHaveLength(2);
    const lastPush = pushes(frames).filter((push) => push.pub).at(-1)!;
    expect(lastPush.id).toBe(replies[1].subscribe.id);
    client.disconnect();
  });

  it('keeps the channel name for a namespace that does not allow it, and for the protobuf build, which cannot route ids', async () => {
    const frames: string[] = [];
    const client = newClient(gw.url, { token: await gw.token('named-reader'), websocket: recordingWebSocket(frames) });
    client.connect();
    const { data } = await follow(client, 'named:run');
    const pb = new ProtobufCentrifuge(gw.url, { websocket: WebSocket, token: await gw.token('compact-pb'), timeout: 3000 });
    pb.connect();
    const pbSide = await follow(pb as never, CHANNEL);
    await gw.api('publish', { channel: 'named:run', data: { n: 1 } });
    await gw.api('publish', { channel: CHANNEL, data: { n: 2 } });
    await until(() => data.length === 1 && pbSide.data.length === 1, 5000, 'both publications');
    expect(data).toEqual([{ n: 1 }]);
    expect(JSON.parse(new TextDecoder().decode(pbSide.data[0] as Uint8Array))).toEqual({ n: 2 });
    const reply = frames.flatMap((f) => f.split('\n')).map((l) => JSON.parse(l)).find((m) => m.subscribe);
    expect(reply.subscribe.id).toBeUndefined();
    expect(pushes(frames).find((push) => push.pub)).toMatchObject({ channel: 'named:run' });
    client.disconnect();
    pb.disconnect();
  });
});
