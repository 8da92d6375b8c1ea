import { Centrifuge as JsonCentrifuge, type Subscription } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { once, until } from './support/client.js';
import { startGateway, writeConfigFile, type TestGateway } from './support/gateway.js';

/**
 * Fossil delta compression as Centrifugo v6 does it, judged by the official SDK: every publication
 * it rebuilds from patches must be the document that was published, live and after recovery.
 */

let gw: TestGateway;

beforeAll(async () => {
  const stream = { history_size: 1000, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true };
  gw = await startGateway({
    channel: {
      namespaces: [
        { name: 'progress', ...stream, allowed_delta_types: ['fossil'] },
        { name: 'auto', ...stream, allowed_delta_types: ['fossil'], delta_publish: true },
        { name: 'whole', ...stream },
      ],
    },
  });
});
afterAll(() => gw.close());

/** An execution-progress document of about 300 bytes, as a job runner publishes it step by step. */
function progress(step: number): Record<string, unknown> {
  return {
    run: 'run-2f9c1e7a-42',
    pipeline: 'nightly-integration',
    status: step < 60 ? 'running' : 'succeeded',
    step,
    total: 60,
    percent: Math.round((step / 60) * 1000) / 10,
    updated_at: `2026-12-01T21:${String(10 + Math.floor(step / 10)).padStart(2, '0')}:${String((step * 7) % 60).padStart(2, '0')}Z`,
    stages: [
      { name: 'checkout', state: 'done' },
      { name: 'build', state: step > 10 ? 'done' : 'running' },
      { name: 'test', state: step > 40 ? 'done' : step > 10 ? 'running' : 'queued' },
      { name: 'deploy', state: step > 55 ? 'running' : 'queued' },
    ],
    last_line: `[worker-3] test shard ${step % 8} of 8: ${step * 13} assertions passed`,
  };
}

type Build = 'json' | 'protobuf';

function client(build: Build, token: string): JsonCentrifuge {
  const options = { websocket: WebSocket, token, minReconnectDelay: 300, maxReconnectDelay: 500, timeout: 3000 };
  // The protobuf build has the same API; payloads are bytes in it.
  return build === 'json' ? new JsonCentrifuge(gw.url, options) : (new ProtobufCentrifuge(gw.url, options) as unknown as JsonCentrifuge);
}

const readPayload = (build: Build, data: unknown): unknown => (build === 'json' ? data : JSON.parse(new TextDecoder().decode(data as Uint8Array)));

async function deltaSubscription(build: Build, user: string, channel: string): Promise<{ centrifuge: JsonCentrifuge; sub: Subscription; received: unknown[] }> {
  const centrifuge = client(build, await gw.token(user));
  const sub = centrifuge.newSubscription(channel, { delta: 'fossil' });
  const received: unknown[] = [];
  sub.on('publication', (ctx) => received.push(readPayload(build, ctx.data)));
  centrifuge.connect();
  sub.subscribe();
  await sub.ready(3000);
  return { centrifuge, sub, received };
}

describe.each<Build>(['json', 'protobuf'])('fossil delta with the SDK %s build', (build) => {
  it('rebuilds every one of many small-diff publications, live and after a reconnect with recovery', async () => {
    const user = `delta-${build}`;
    const channel = `progress:${build}-run`;
    const { centrifuge, sub, received } = await deltaSubscription(build, user, channel);
    const published: unknown[] = [];
    const publish = async (step: number) => {
      const document = progress(step);
      published.push(document);
      await gw.api('publish', { channel, data: document, delta: true });
    };
    for (let step = 1; step <= 30; step++) await publish(step);
    await until(() => received.length === 30, 5000, '30 publications');
    expect(received).toEqual(published);
    const live = sub.deltaStats();
    // The first goes whole (no base yet), the rest as patches.
    expect(live.numDeltaPayloads).toBe(29);
    expect(live.bytesReceived).toBeLessThan(live.bytesDecoded / 3);

    const resubscribed = once<{ recovered: boolean; wasRecovering: boolean }>(sub, 'subscribed', 5000);
    await gw.api('disconnect', { user, disconnect: { code: 4000, reason: 'test reconnect' } });
    for (let step = 31; step <= 45; step++) await publish(step);
    expect(await resubscribed).toMatchObject({ wasRecovering: true, recovered: true });
    for (let step = 46; step <= 60; step++) await publish(step);
    await until(() => received.length === 60, 5000, '60 publications');
    expect(received).toEqual(published);
    // Recovered ones are chained patches too; after recovery one live publication goes whole.
    expect(sub.deltaStats().numDeltaPayloads).toBeGreaterThan(50);
    // History keeps whole documents; the delta request stored with them is not shown.
    const history = await gw.api<{ publications: Array<Record<string, unknown>> }>('history', { channel, limit: 60 });
    expect(history.publications.map((p) => p.data)).toEqual(published);
    expect(history.publications.filter((p) => 'delta' in p)).toEqual([]);
    centrifuge.disconnect();
  });

  it('sends delta to delta subscribers only: a plain subscriber of the same channel gets whole documents', async () => {
    const channel = `auto:${build}-mixed`;
    const { centrifuge, sub, received } = await deltaSubscription(build, `delta-mixed-${build}`, channel);
    const plain = client(build, await gw.token(`plain-${build}`));
    const plainSub = plain.newSubscription(channel);
    const plainReceived: unknown[] = [];
    plainSub.on('publication', (ctx) => plainReceived.push(readPayload(build, ctx.data)));
    plain.connect();
    plainSub.subscribe();
    await plainSub.ready(3000);
    const published = Array.from({ length: 10 }, (_, i) => progress(i + 1));
    // No delta flag: the namespace's delta_publish makes every publication a delta one.
    for (const document of published) await gw.api('publish', { channel, data: document });
    await until(() => received.length === 10 && plainReceived.length === 10, 5000, 'both subscribers');
    expect(received).toEqual(published);
    expect(plainReceived).toEqual(published);
    expect(sub.deltaStats().numDeltaPayloads).toBe(9);
    centrifuge.disconnect();
    plain.disconnect();
  });
});

describe('where delta is not allowed', () => {
  it('refuses a delta publish with 107 naming allowed_delta_types', async () => {
    await expect(gw.api('publish', { channel: 'whole:doc', data: progress(1), delta: true })).rejects.toMatchObject({
      code: 107,
      message: expect.stringContaining('allowed_delta_types'),
    });
    await expect(gw.api('broadcast', { channels: ['progress:ok', 'whole:doc'], data: progress(1), delta: true })).resolves.toMatchObject({
      responses: [{ result: expect.anything() }, { error: { code: 107, message: expect.stringContaining('allowed_delta_types') } }],
    });
  });

  it('subscribes a client that asks for delta without it, as Centrifugo does, and delivers whole documents', async () => {
    const { centrifuge, sub, received } = await deltaSubscription('json', 'delta-refused', 'whole:run');
    await gw.api('publish', { channel: 'whole:run', data: progress(1) });
    await until(() => received.length === 1);
    expect(received).toEqual([progress(1)]);
    expect(sub.deltaStats().numDeltaPayloads).toBe(0);
    centrifuge.disconnect();
  });

  it('refuses delta_publish in a namespace that does not allow fossil, naming the key', () => {
    const file = writeConfigFile({ channel: { without_namespace: { delta_publish: true }, namespaces: [{ name: 'progress', delta_publish: true, allowed_delta_types: ['fossil'] }, { name: 'whole', delta_publish: true }] } });
    let problems: readonly string[] = [];
    try {
      loadConfig({ file, environ: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.filter((p) => p.includes('delta_publish'))).toEqual([
      expect.stringMatching(/^channel\.without_namespace\.delta_publish: needs allowed_delta_types: \["fossil"\]/),
      expect.stringMatching(/^channel\.namespaces\[1\]\.delta_publish: needs allowed_delta_types: \["fossil"\]/),
    ]);
  });
});
