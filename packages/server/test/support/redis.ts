import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
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

/**
 * A TCP forwarder the test controls: each incoming connection goes to the first target that
 * accepts it (a load balancer when there are several). `cut()` drops every connection and refuses
 * new ones until `restore()`, as a network partition would; `pause()` keeps the connections but
 * forwards nothing until `resume()`, as a hung server would.
 */
export class TcpForwarder {
  private readonly sockets = new Set<Socket>();
  private open = true;
  private next = 0;

  private constructor(
    private readonly server: Server,
    private readonly targets: () => number[],
  ) {}

  static async start(targets: () => number[]): Promise<TcpForwarder> {
    const server = createServer();
    const forwarder = new TcpForwarder(server, targets);
    server.on('connection', (socket) => forwarder.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  pause(): void {
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    for (const socket of this.sockets) socket.resume();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: Socket): void {
    this.track(client);
    if (!this.open) return void client.destroy();
    client.pause();
    const targets = this.targets();
    const tryTarget = (attempt: number): void => {
      if (attempt >= targets.length || client.destroyed) return void client.destroy();
      const port = targets[(this.next + attempt) % targets.length]!;
      const upstream = connect(port, '127.0.0.1');
      upstream.once('error', () => tryTarget(attempt + 1));
      upstream.once('connect', () => {
        this.next += 1;
        upstream.removeAllListeners('error');
        this.track(upstream);
        if (!this.open) return void upstream.destroy();
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.resume();
      });
    };
    tryTarget(0);
  }
}
