import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSlot, RedisKeys } from '../src/broker/redis-keys.js';
import { once } from './support/client.js';
import { publishThroughFailover } from './support/failover.js';
import type { ConfigFile } from './support/gateway.js';
import { RedisDeployment, uniquePrefix } from './support/redis.js';
import { RedisCluster } from './support/redis-servers.js';

const config: ConfigFile = {
  channel: { namespaces: [{ name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true }] },
};

let cluster: RedisCluster;
const prefix = uniquePrefix('cluster-failover');
let deployment: RedisDeployment;

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
  deployment = await RedisDeployment.start(3, { url: cluster.url, prefix, nodeHeartbeat: 200 }, config);
});

afterAll(async () => {
  await deployment?.close();
  await cluster?.stop();
});

describe('Redis Cluster failover', () => {
  it('loses no acknowledged publication silently when the master of a channel is killed mid-publish', async () => {
    const channel = 'runs:failover';
    const master = await cluster.masterOf(hashSlot(new RedisKeys(prefix).meta(channel)));
    const outcome = await publishThroughFailover(deployment, channel, () => master.kill(), { engine: { url: cluster.url, prefix } });
    // The replica took over: the slot is served again, by another process.
    expect((await cluster.masterOf(hashSlot(new RedisKeys(prefix).meta(channel)))).port).not.toBe(master.port);
    expect(outcome.acks.length).toBe(60);
    // The control bus still reaches every node: a disconnect asked on one node closes a client on another.
    const client = await deployment.connect(deployment.nodes[2]!, 'after-failover');
    const closed = once<{ code: number }>(client, 'disconnected', 10_000);
    await deployment.nodes[0]!.api('disconnect', { user: 'after-failover' });
    expect((await closed).code).toBe(3503);
    // Other channels, on other masters, still work and still keep their history.
    const other = 'runs:elsewhere';
    await deployment.nodes[1]!.api('publish', { channel: other, data: { n: 1 } });
    expect((await deployment.nodes[2]!.api('history', { channel: other, limit: -1 })).publications).toHaveLength(1);
  });
});
