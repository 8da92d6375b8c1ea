import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShardAddress, redisShards } from '../src/broker/redis-address.js';
import { baseTestConfig, writeConfigFile } from './support/gateway.js';
import { runCli } from './support/process.js';
import { freeServerPort, RedisServer } from './support/redis-servers.js';

describe('Redis addresses, as Centrifugo writes them', () => {
  it('reads standalone, cluster and Sentinel URLs with their hosts, credentials and database', () => {
    expect(parseShardAddress('redis://u:p%40ss@10.0.0.1:6380/2')).toEqual({ mode: 'standalone', host: { host: '10.0.0.1', port: 6380 }, db: 2, user: 'u', password: 'p@ss', tls: false });
    expect(parseShardAddress('redis+cluster://a:7000?addr=b:7001,c:7002')).toMatchObject({ mode: 'cluster', seeds: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: 'c', port: 7002 }] });
    expect(parseShardAddress('rediss+sentinel://s1:26379?sentinel_master_name=main&addr=s2&sentinel_password=x')).toMatchObject({
      mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], masterName: 'main', sentinelPassword: 'x', tls: true,
    });
    expect(redisShards({ cluster_address: ['a:7000,b:7001'], password: 'pw' })).toMatchObject([{ mode: 'cluster', seeds: [{ host: 'a' }, { host: 'b' }], password: 'pw' }]);
    expect(redisShards({ sentinel_address: ['s1:26379'], sentinel_master_name: 'm' })).toMatchObject([{ mode: 'sentinel', masterName: 'm' }]);
    expect(redisShards({ address: 'redis://a:1,redis://b:2' })).toHaveLength(2);
    expect(redisShards({ address: 'redis+cluster://a:1,b:2' })).toHaveLength(1);
  });

  it('refuses mixed or incomplete topologies with the key at fault', () => {
    expect(() => redisShards({ address: ['redis://a:6379', 'redis+cluster://b:7000'] })).toThrow(/engine\.redis\.address mixes standalone and cluster shards/);
    expect(() => redisShards({ address: 'redis://a:6379', cluster_address: ['b:7000'] })).toThrow(/set only one of engine\.redis\.address and engine\.redis\.cluster_address/);
    expect(() => redisShards({ sentinel_address: ['s:26379'] })).toThrow(/sentinel_address\[0\].*master name/);
    expect(() => redisShards({ address: 'redis+cluster://a:7000/3' })).toThrow(/only database 0/);
  });
});

describe('Redis topology at start-up, through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renum-topology-'));
  let standalone: RedisServer;

  beforeAll(async () => {
    standalone = await RedisServer.start(await freeServerPort(), dir);
  });

  afterAll(async () => {
    await standalone?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = (redis: Record<string, unknown>, env: Record<string, string> = {}) =>
    runCli(['serve', '--config', writeConfigFile({ ...baseTestConfig, engine: { type: 'redis', redis } })], env);

  it('stops with a clear error, no stack trace, when no seed of the cluster answers', async () => {
    const [a, b] = [await freeServerPort(), await freeServerPort()];
    const result = await serve({}, { REALTIME_ENGINE_REDIS_CLUSTER_ADDRESS: `["127.0.0.1:${a},127.0.0.1:${b}"]` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`engine.redis: cannot connect to Redis at redis+cluster://127.0.0.1:${a},127.0.0.1:${b}: no Redis Cluster seed answers: 127.0.0.1:${a}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with a clear error when a cluster seed is a standalone Redis', async () => {
    const result = await serve({ cluster_address: [`127.0.0.1:${standalone.port}`] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`seed 127.0.0.1:${standalone.port} is a standalone Redis, not a Redis Cluster node`);
  });

  it('check-config refuses a list that mixes a cluster with standalone instances', async () => {
    const file = writeConfigFile({ engine: { redis: { address: [`redis://127.0.0.1:${standalone.port}`, 'redis+cluster://127.0.0.1:7000'] } } });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('engine.redis.address mixes standalone and cluster shards');
  });

  it('check-config shows the topology: kind and shards, passwords left out', async () => {
    const file = writeConfigFile({ engine: { redis: { address: ['redis://:secret@10.0.0.1:6379', 'redis://10.0.0.2:6379/1'] } } });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('engine: redis, standalone Redis, 2 shards');
    expect(result.stderr).toContain('shard 0: redis://10.0.0.1:6379/0');
    expect(result.stderr).toContain('shard 1: redis://10.0.0.2:6379/1');
    expect(result.stderr + result.stdout).not.toContain('secret@');
    const cluster = await runCli(['check-config', '--config', writeConfigFile({})], { REALTIME_ENGINE_REDIS_ADDRESS: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' });
    expect(cluster.stderr).toContain('engine: redis, Redis Cluster\n  shard 0: redis+cluster://10.0.0.1:7000,10.0.0.2:7000');
  });
});
