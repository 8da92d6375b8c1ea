import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistentIndex } from '../src/broker/redis-keys.js';
import { follow, once, until } from './support/client.js';
import type { ConfigFile, TestGateway } from './support/gateway.js';
import { RedisDeployment, uniquePrefix } from './support/redis.js';
import { freeServerPort, RedisServer } from './support/redis-servers.js';

const config: ConfigFile = {
  channel: { namespaces: [{ name: 'runs', history_size: 100, history_ttl: '300s', force_recovery: true, presence: true, allow_subscribe_for_client: true }] },
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('consistent channel → shard mapping', () => {
  const channels = range(1, 3000).map((i) => `runs:c${i}`);

  it('spreads channels evenly and moves only about 1/(n+1) of them, all to the new shard, when a shard is added', () => {
    const onTwo = channels.map((c) => consistentIndex(c, 2));
    const onThree = channels.map((c) => consistentIndex(c, 3));
    expect(new Set(onTwo)).toEqual(new Set([0, 1]));
    for (const shard of [0, 1, 2]) expect(onThree.filter((s) => s === shard).length).toBeGreaterThan(800);
    const moved = channels.filter((_, i) => onTwo[i] !== onThree[i]);
    expect(moved.length).toBeGreaterThan(800);
    expect(moved.length).toBeLessThan(1200);
    expect(channels.every((_, i) => onTwo[i] === onThree[i] || onThree[i] === 2)).toBe(true);
    expect(channels.every((c) => consistentIndex(c, 1) === 0)).toBe(true);
  });
});

describe('client-side sharding over two independent Redis instances, two gateway nodes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renum-shards-'));
  const prefix = uniquePrefix('shards');
  const shards: RedisServer[] = [];
  let deployment: RedisDeployment;
  let nodes: TestGateway[] = [];
  const connectTo = (node: TestGateway, user: string) => deployment.connect(node, user);
  /** A channel on each shard. */
  const onShard = [0, 1].map((shard) => range(1, 100).map((i) => `runs:s${i}`).find((c) => consistentIndex(c, 2) === shard)!);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) shards.push(await RedisServer.start(await freeServerPort(), dir));
    const url = shards.map((s) => `redis://127.0.0.1:${s.port}`);
    deployment = await RedisDeployment.start(2, { url, prefix, nodeHeartbeat: 200, commandTimeout: 300 }, config);
    nodes = deployment.nodes;
  });

  afterAll(async () => {
    await deployment?.close();
    await Promise.all(shards.map((s) => s.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps each channel on its own shard only', async () => {
    for (const [shard, channel] of onShard.entries()) {
      await nodes[0]!.api('publish', { channel, data: { shard } });
      const direct = shards[shard]!.client();
      const other = shards[1 - shard]!.client();
      expect((await direct.keys(`${prefix}*`)).some((key) => key.includes(channel))).toBe(true);
      expect((await other.keys(`${prefix}*`)).some((key) => key.includes(channel))).toBe(false);
      direct.disconnect();
      other.disconnect();
    }
  });

  it('answers temporarily unavailable for the channels of a shard that is down, and serves the others on every node', async () => {
    const [healthy, doomed] = onShard as [string, string];
    const followers = await Promise.all(nodes.map(async (node, i) => follow(await connectTo(node, `shard-${i}`), healthy)));
    await shards[1]!.kill();
    await expect(nodes[0]!.api('publish', { channel: doomed, data: {} })).rejects.toMatchObject({ code: 116 });
    const refused = (await connectTo(nodes[1]!, 'shard-down')).newSubscription(doomed);
    const failed = once<{ error: { code: number } }>(refused, 'error');
    refused.subscribe();
    expect((await failed).error.code).toBe(100);
    refused.unsubscribe();
    for (let i = 1; i <= 5; i++) await nodes[i % 2]!.api('publish', { channel: healthy, data: { i } });
    for (const follower of followers) {
      await until(() => follower.data.length >= 5, 5000, 'publications on the healthy shard');
      expect(follower.data.slice(-5)).toEqual(range(1, 5).map((i) => ({ i })));
    }
    const history = await nodes[1]!.api('history', { channel: healthy, limit: -1 });
    expect(history.publications.slice(-5).map((p: { data: unknown }) => p.data)).toEqual(range(1, 5).map((i) => ({ i })));
    expect((await nodes[1]!.api('presence_stats', { channel: healthy })).num_clients).toBe(2);
    // The control bus lives on shard 0, which is up: commands still reach every node.
    expect((await nodes[0]!.api('info', {})).nodes).toHaveLength(2);

    // The shard comes back (empty: no persistence): its channels work again, on every node.
    shards[1] = await RedisServer.start(shards[1]!.port, dir);
    await until(async () => nodes[0]!.api('publish', { channel: doomed, data: { back: 1 } }).then(() => true, () => false), 10_000, 'the shard back');
    const late = await Promise.all(nodes.map(async (node, i) => follow(await connectTo(node, `back-${i}`), doomed)));
    await nodes[1]!.api('publish', { channel: doomed, data: { back: 2 } });
    for (const follower of late) {
      await until(() => follower.data.length >= 1, 5000, 'publication on the shard that came back');
      expect(follower.data).toEqual([{ back: 2 }]);
    }
  });
});
