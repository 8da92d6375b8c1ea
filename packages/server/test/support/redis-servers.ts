import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** Every redis-server this test process started, so that none outlives it, even after a failure. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port whose cluster bus port (+10000) is free too, from 11000–19999: far from 6379 and from
 * the ephemeral range, so that parallel test files rarely pick the same one.
 */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 11000 + Math.floor(Math.random() * 9000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
}

/** A free loopback port (cluster bus port included) for one private redis-server. */
export function freeServerPort(): Promise<number> {
  return clusterPort(new Set());
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One private redis-server process. */
export class RedisServer {
  private exited: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    started.add(child);
    this.exited = new Promise((resolve) => child.once('exit', () => {
      started.delete(child);
      resolve();
    }));
  }

  static start(port: number, dir: string, extra: string[] = []): Promise<RedisServer> {
    // No 5s wait before a replica's first sync (Redis 7's default): replicas are in sync at once.
    return RedisServer.spawn(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0', ...extra]);
  }

  /** Runs `redis-server` with these arguments and waits until `port` answers PING. */
  static async spawn(port: number, args: string[]): Promise<RedisServer> {
    const server = new RedisServer(port, spawn('redis-server', args, { stdio: 'ignore' }));
    await until(async () => {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, 5000, `redis-server on ${port}`);
    return server;
  }

  get running(): boolean {
    return started.has(this.child);
  }

  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  }

  /** SIGKILL: no shutdown, no final write, as a crashed machine. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

async function cli(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', args, { timeout: 30_000 });
    return stdout;
  } catch (error) {
    // redis-cli says why on stdout (e.g. a node that did not join): keep it in the failure.
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${(error as Error).message}\n${`${stdout}${stderr}`.slice(-1000)}`);
  }
}

/**
 * A private Redis Cluster: `masters` masters with one replica each, on loopback ports from
 * 11000–19999, created with `redis-cli --cluster create`. A node times out after 1s, so a killed
 * master is replaced by its replica within a few seconds.
 */
export class RedisCluster {
  private constructor(
    readonly servers: RedisServer[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'renum-cluster-'));
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters * 2; i++) ports.push(await clusterPort(taken));
    const servers: RedisServer[] = [];
    const cluster = new RedisCluster(servers, dir);
    try {
      for (const port of ports) {
        servers.push(await RedisServer.start(port, dir, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`,
          // Generous while the cluster forms (a loaded machine made a 1 s create fail); 1 s after.
          '--cluster-node-timeout', '5000',
          '--cluster-allow-pubsubshard-when-down', 'yes',
          // A replica takes over however long its link to the master was down.
          '--cluster-replica-validity-factor', '0',
        ]));
      }
      await cli('--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes');
      await cluster.waitHealthy();
      for (const port of ports) await cli('-p', String(port), 'config', 'set', 'cluster-node-timeout', '1000');
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Seed list for the engine: every node, as `redis://127.0.0.1:port`. */
  get seeds(): string[] {
    return this.servers.filter((s) => s.running).map((s) => `redis://127.0.0.1:${s.port}`);
  }

  /** The cluster as users address it: `redis+cluster://` with every node as a seed. */
  get url(): string {
    return `redis+cluster://${this.servers.filter((s) => s.running).map((s) => `127.0.0.1:${s.port}`).join(',')}`;
  }

  /** Resolves once every running node says the cluster is ok, and every replica is in sync. */
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    await until(async () => {
      for (const server of this.servers.filter((s) => s.running)) {
        const info = await cli('-p', String(server.port), 'cluster', 'info');
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
        const replication = await cli('-p', String(server.port), 'info', 'replication');
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
      }
      return true;
    }, timeoutMs, 'a healthy cluster');
  }

  /** The running master that serves `slot`. */
  async masterOf(slot: number): Promise<RedisServer> {
    const any = this.servers.find((s) => s.running)!;
    const nodes = await cli('-p', String(any.port), 'cluster', 'nodes');
    for (const line of nodes.trim().split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags!.includes('master') || flags!.includes('fail') || state !== 'connected') continue;
      const covers = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from! && slot <= to!;
      });
      if (covers) return this.servers.find((s) => s.port === Number(address!.split(':')[1]!.split('@')[0]))!;
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  async nodeId(server: RedisServer): Promise<string> {
    return (await cli('-p', String(server.port), 'cluster', 'myid')).trim();
  }

  /**
   * Moves one slot with its keys from its master to another master, as `redis-cli --cluster
   * reshard` does: MIGRATING/IMPORTING, MIGRATE key by key, then SETSLOT NODE everywhere.
   */
  async migrateSlot(slot: number, to: RedisServer): Promise<void> {
    const from = await this.masterOf(slot);
    if (from === to) throw new Error('slot already on the target');
    const [fromId, toId] = [await this.nodeId(from), await this.nodeId(to)];
    const source = from.client();
    const target = to.client();
    try {
      await target.call('cluster', 'setslot', slot, 'importing', fromId);
      await source.call('cluster', 'setslot', slot, 'migrating', toId);
      for (;;) {
        const keys = (await source.call('cluster', 'getkeysinslot', slot, 100)) as string[];
        if (keys.length === 0) break;
        await source.call('migrate', '127.0.0.1', to.port, '', 0, 5000, 'keys', ...keys);
      }
      for (const client of [target, source]) await client.call('cluster', 'setslot', slot, 'node', toId);
      for (const server of this.servers.filter((s) => s.running && s !== from && s !== to)) {
        const other = server.client();
        await other.call('cluster', 'setslot', slot, 'node', toId).catch(() => undefined);
        other.disconnect();
      }
    } finally {
      source.disconnect();
      target.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A private Sentinel setup: a master, one replica and one sentinel (quorum 1) that declares the
 * master down after 1s and promotes the replica.
 */
export class RedisSentinel {
  static readonly masterName = 'renum-test';

  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinel: RedisServer,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisSentinel> {
    const dir = mkdtempSync(join(tmpdir(), 'renum-sentinel-'));
    const taken = new Set<number>();
    const [masterPort, replicaPort, sentinelPort] = [await clusterPort(taken), await clusterPort(taken), await clusterPort(taken)];
    const servers: RedisServer[] = [];
    try {
      servers.push(await RedisServer.start(masterPort!, dir));
      servers.push(await RedisServer.start(replicaPort!, dir, ['--replicaof', '127.0.0.1', String(masterPort)]));
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(conf, [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${RedisSentinel.masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${RedisSentinel.masterName} 1000`,
        `sentinel failover-timeout ${RedisSentinel.masterName} 5000`,
        '',
      ].join('\n'));
      servers.push(await RedisServer.spawn(sentinelPort!, [conf, '--sentinel']));
      const setup = new RedisSentinel(servers[0]!, servers[1]!, servers[2]!, dir);
      await until(async () => {
        const replica = setup.replica.client();
        try {
          return ((await replica.info('replication')).includes('master_link_status:up'));
        } finally {
          replica.disconnect();
        }
      }, 10_000, 'the replica to sync');
      // The sentinel learns of replicas from the master's INFO, every 10s at first: a master killed
      // before that has no replica to promote, and the failover never comes.
      await until(() => setup.sentinelKnowsReplica(), 15_000, 'the sentinel to discover the replica');
      return setup;
    } catch (error) {
      await Promise.all(servers.map((s) => s.kill()));
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `redis+sentinel://` URL of this setup. */
  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.sentinel.port}?sentinel_master_name=${RedisSentinel.masterName}`;
  }

  private async sentinelKnowsReplica(): Promise<boolean> {
    const client = this.sentinel.client();
    try {
      const replicas = (await client.call('sentinel', 'replicas', RedisSentinel.masterName)) as string[][];
      return replicas.some((fields) => {
        const field = (name: string) => fields[fields.indexOf(name) + 1];
        return field('port') === String(this.replica.port) && field('flags') === 'slave';
      });
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** The port the sentinel names as master now. */
  async masterPort(): Promise<number> {
    const client = this.sentinel.client();
    try {
      const [, port] = (await client.call('sentinel', 'get-master-addr-by-name', RedisSentinel.masterName)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.sentinel, this.replica, this.master].map((s) => s.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
