import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newClient, once } from './support/client.js';
import { baseTestConfig, callApi, writeConfigFile } from './support/gateway.js';
import { runCli, spawnGateway, type GatewayProcess } from './support/process.js';
import { dropPrefix, redisUrl, stopRedis, uniquePrefix } from './support/redis.js';

const running: GatewayProcess[] = [];
afterEach(() => {
  for (const node of running.splice(0)) node.child.kill('SIGKILL');
});
afterAll(() => stopRedis());

describe('Redis engine chosen by configuration', () => {
  it('links two `renum-realtime serve` processes given REALTIME_REDIS_URL', async () => {
    const url = await redisUrl();
    const prefix = uniquePrefix('cfg');
    const file = writeConfigFile({ ...baseTestConfig, log: { level: 'warn' } });
    const env = { REALTIME_REDIS_URL: url, REALTIME_ENGINE_REDIS_PREFIX: prefix };
    const a = await spawnGateway(['serve', '--config', file], env);
    const b = await spawnGateway(['serve', '--config', file], env);
    running.push(a, b);
    const token = (await runCli(['token', '--user', 'zoe', '--config', file])).stdout.trim();
    const client = newClient(b.url, { token });
    const sub = client.newSubscription('news:linked');
    sub.subscribe();
    client.connect();
    await sub.ready(3000);
    const received = once<{ data: unknown; offset: number }>(sub, 'publication');
    const apiA = a.url.replace('ws://', 'http://').replace(/\/connection\/websocket$/, '/api');
    const published = await callApi(apiA, 'publish', { channel: 'news:linked', data: { via: 'A' } });
    expect(await received).toMatchObject({ data: { via: 'A' }, offset: published.offset });
    const info = await callApi(apiA, 'info', {});
    expect(info.nodes).toHaveLength(2);
    client.disconnect();
    await dropPrefix(url, prefix);
  });

  it('refuses engine.type redis without an address', async () => {
    const file = writeConfigFile({ engine: { type: 'redis' } });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('engine.redis.address');
  });
});
