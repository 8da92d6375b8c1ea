import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Centrifuge } from 'centrifuge';
import { Redis } from 'ioredis';
import { createRedisEngine, type RedisBrokerOptions } from '../../src/broker/redis.js';
import { createLogger } from '../../src/log.js';
import { newClient } from './client.js';
import { freePort, reachable } from './ports.js';
import { startGateway, type ConfigFile, type TestGateway } from './gateway.js';

let spawned: ChildProcess | undefined;
let shared: Promise<string> | undefined;

/**
 * The machine's Redis on 6379 when it answers, else a throwaway `redis-server` for this test file
 * (stopped by `stopRedis`, which every file using this calls in `afterAll`).
 */
export function redisUrl(): Promise<string> {
  shared ??= (async () => {
    if (await reachable(6379)) return 'redis://127.0.0.1:6379';
    const port = await freePort();
    spawned = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!(await reachable(port))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    return `redis://127.0.0.1:${port}`;
  })();
  return shared;
}

export async function stopRedis(): Promise<void> {
  const child = spawned;
  if (!child) return;
  spawned = undefined;
  shared = undefined;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A key prefix no other test (or earlier run) uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under the prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** An in-process gateway node on the Redis engine. */
export async function startRedisGateway(options: RedisBrokerOptions, overrides: ConfigFile = {}, gateway: { captureLogs?: boolean } = {}): Promise<TestGateway> {
  const engine = await createRedisEngine(options, createLogger((process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent'));
  return startGateway(overrides, undefined, { ...gateway, engine });
}

/** In-process gateway nodes on one Redis engine address, and the clients a test opened on them. */
export class RedisDeployment {
  readonly clients: Centrifuge[] = [];

  private constructor(readonly nodes: TestGateway[]) {}

  static async start(count: number, options: RedisBrokerOptions, config: ConfigFile, gateway: { captureLogs?: boolean } = {}): Promise<RedisDeployment> {
    return new RedisDeployment(await Promise.all(Array.from({ length: count }, () => startRedisGateway(options, config, gateway))));
  }

  /** An official client connected to `node` as `user`, disconnected by `close`. */
  async connect(node: TestGateway, user: string): Promise<Centrifuge> {
    const client = newClient(node.url, { token: await node.token(user) });
    this.clients.push(client);
    client.connect();
    await client.ready(3000);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    await Promise.all(this.nodes.map((node) => node.close()));
  }
}
