import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './support/client.js';
import { publishThroughFailover, retryWhileUnavailable } from './support/failover.js';
import type { ConfigFile } from './support/gateway.js';
import { RedisDeployment, uniquePrefix } from './support/redis.js';
import { RedisSentinel } from './support/redis-servers.js';

const config: ConfigFile = {
  channel: { namespaces: [{ name: 'runs', history_size: 1000, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true }] },
};

let sentinel: RedisSentinel;
const prefix = uniquePrefix('sentinel');
let deployment: RedisDeployment;

beforeAll(async () => {
  sentinel = await RedisSentinel.start();
  deployment = await RedisDeployment.start(2, { url: sentinel.url, prefix, nodeHeartbeat: 200 }, config);
});

afterAll(async () => {
  await deployment?.close();
  await sentinel?.stop();
});

describe('Redis engine through Sentinel', () => {
  it('finds the master through the sentinel, follows the failover, and loses no acknowledged publication silently', async () => {
    expect(await sentinel.masterPort()).toBe(sentinel.master.port);
    const outcome = await publishThroughFailover(deployment, 'runs:sentinel', () => sentinel.master.kill(), { engine: { url: sentinel.url, prefix } });
    expect(await sentinel.masterPort()).toBe(sentinel.replica.port);
    expect(outcome.acks.length).toBe(60);
    // Both nodes serve on the new master, control bus included.
    await until(async () => (await retryWhileUnavailable(() => deployment.nodes[1]!.api('info', {}))).nodes.length === 2, 10_000, 'both nodes in info');
  });
});
