import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GATEWAY_SECRET, gatewayCommand, gatewayConfig, startPeer } from './peers.mjs';
import { SubscriberPool } from './pool.mjs';
import { markdownTable } from './report.mjs';
import { connectSubscribers, fanOut } from './workloads.mjs';

/**
 * The multi-node run: the gateway alone, then 1, 2 and 4 gateway nodes on one Redis, then 2 and 4
 * on a 3-master Redis Cluster, all on loopback. The same saturated fan-out as the peer runs, with
 * the subscribers spread evenly over the nodes, the publisher on the first node and the probe on
 * the last. Each scenario reports deliveries/s, CPU (gateways and Redis together) per 1,000
 * deliveries, and Redis commands per publication (INFO commandstats before and after).
 */

const run = promisify(execFile);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** 20000–29999 with the cluster bus port (+10000) free too; away from 6379 and the tests' range. */
async function redisPort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

async function redisServer(dir, extra = []) {
  const port = await redisPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], { stdio: 'ignore' });
  for (let waited = 0; !(await answers(port)); waited += 50) {
    if (waited > 5_000) throw new Error(`redis-server on ${port} did not start`);
    await sleep(50);
  }
  return { port, pid: child.pid, stop: () => child.kill('SIGKILL') };
}

const cli = async (...args) => (await run('redis-cli', args, { timeout: 30_000 })).stdout;

/** One redis-server, or three cluster masters (no replicas: the bench measures the data path). */
export async function startRedis(kind) {
  const dir = mkdtempSync(join(tmpdir(), 'renum-bench-redis-'));
  const servers = [];
  const stop = () => {
    for (const server of servers) server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (kind === 'standalone') {
      servers.push(await redisServer(dir));
      return { servers, address: `redis://127.0.0.1:${servers[0].port}`, stop };
    }
    for (let i = 0; i < 3; i++) servers.push(await redisServer(dir, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`]));
    await cli('--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes');
    for (let waited = 0; !(await cli('-p', String(servers[0].port), 'cluster', 'info')).includes('cluster_state:ok'); waited += 100) {
      if (waited > 20_000) throw new Error('the bench cluster did not become healthy');
      await sleep(100);
    }
    return { servers, address: `redis+cluster://${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Calls per command name since the server started, summed over the servers. */
async function commandCalls(servers) {
  const calls = new Map();
  for (const server of servers) {
    for (const match of (await cli('-p', String(server.port), 'info', 'commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
      calls.set(match[1], (calls.get(match[1]) ?? 0) + Number(match[2]));
    }
  }
  return calls;
}

function callsBetween(before, after, publications) {
  const perPublication = {};
  for (const [name, count] of after) {
    const delta = count - (before.get(name) ?? 0);
    // INFO itself and below one call in a hundred publications (heartbeats, presence) is noise here.
    if (name !== 'info' && delta / publications >= 0.01) perPublication[name] = +(delta / publications).toFixed(2);
  }
  return { total: +Object.values(perPublication).reduce((a, b) => a + b, 0).toFixed(2), byCommand: perPublication };
}

/** Runs one scenario: `nodes` gateway nodes on `redis` (undefined: one node, memory engine). */
async function scenario(name, nodes, redisKind, settings, progress) {
  const redis = redisKind ? await startRedis(redisKind) : undefined;
  const engine = redis ? { engine: { redis: { address: redis.address, prefix: 'bench:' } } } : {};
  const history = { channel: { without_namespace: { allow_subscribe_for_client: true, allow_publish_for_client: true, history_size: 100, history_ttl: '60s' } } };
  const gateways = [];
  const pool = new SubscriberPool(settings.workers);
  try {
    for (let i = 0; i < nodes; i++) {
      const config = gatewayConfig({ ...engine, ...history });
      gateways.push(await startPeer(`${name}#${i}`, 15_000, { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => gatewayCommand(config) }));
    }
    progress.update(`[multi-node ${name}] connecting ${settings.subscribers} subscribers over ${nodes} node(s)`);
    for (const [i, gateway] of gateways.entries()) {
      const share = Math.floor(settings.subscribers / nodes) + (i < settings.subscribers % nodes ? 1 : 0);
      await connectSubscribers(pool, gateway, { ...settings, subscribers: share });
    }
    // The workers' counts are cumulative over the nodes: ask once, at the end.
    const connected = await pool.openCount();
    if (connected === 0) throw new Error('no subscriber connected');
    await sleep(500);
    const peer = { ...gateways[0], probeNode: gateways.at(-1), pids: [...gateways.map((g) => g.pid), ...(redis?.servers.map((s) => s.pid) ?? [])] };
    const before = redis ? await commandCalls(redis.servers) : undefined;
    const fanout = await fanOut(pool, peer, { subscribers: connected, size: settings.size, seconds: settings.seconds, rate: 0, window: settings.window },
      (line) => progress.update(`[multi-node ${name}] ${line}`));
    const redisCalls = redis ? callsBetween(before, await commandCalls(redis.servers), fanout.published) : undefined;
    const crash = gateways.map((g) => g.crashed()).find(Boolean);
    if (crash) throw new Error(crash);
    const cpuPerThousand = (fanout.cpu.server / fanout.deliveriesPerSecond) * 1000;
    progress.log(`[multi-node ${name}] ${(fanout.deliveriesPerSecond / 1000).toFixed(1)}k deliveries/s, ${fanout.cpu.server.toFixed(2)} cores, ` +
      `${redisCalls ? `${redisCalls.total} Redis commands/publication` : 'no Redis'}`);
    return { name, nodes, redis: redisKind ?? 'none', subscribers: connected, fanout, cpuPerThousandDeliveries: cpuPerThousand, redisCalls };
  } finally {
    await pool.close();
    await Promise.all(gateways.map((g) => g.stop()));
    redis?.stop();
  }
}

export const SCENARIOS = [
  ['1 node, memory', 1, undefined],
  ['1 node, Redis', 1, 'standalone'],
  ['2 nodes, Redis', 2, 'standalone'],
  ['4 nodes, Redis', 4, 'standalone'],
  ['2 nodes, Cluster', 2, 'cluster'],
  ['4 nodes, Cluster', 4, 'cluster'],
];

export async function multiNodeRun(settings, progress) {
  const results = [];
  for (const [name, nodes, redis] of SCENARIOS) {
    try {
      results.push(await scenario(name, nodes, redis, settings, progress));
    } catch (error) {
      progress.log(`[multi-node ${name}] failed: ${error.message}`);
      results.push({ name, nodes, redis: redis ?? 'none', error: error.message });
    }
  }
  return results;
}

/**
 * The table: per scenario, deliveries/s and CPU per 1,000 deliveries, each as a ratio to the
 * single node (memory engine): the cost of crossing nodes.
 */
export function multiNodeTable(results) {
  const base = results.find((r) => !r.error && r.nodes === 1 && r.redis === 'none');
  const ratio = (value, of) => (of ? ` (${(value / of).toFixed(2)}×)` : '');
  const rows = results.map((r) => r.error
    ? [r.name, `failed: ${r.error.slice(0, 60)}`, '', '', '', '']
    : [
        r.name,
        `${(r.fanout.deliveriesPerSecond / 1000).toFixed(1)}k${ratio(r.fanout.deliveriesPerSecond, base?.fanout.deliveriesPerSecond)}`,
        `${r.fanout.cpu.server.toFixed(2)}`,
        `${r.cpuPerThousandDeliveries.toFixed(3)}${ratio(r.cpuPerThousandDeliveries, base?.cpuPerThousandDeliveries)}`,
        r.redisCalls ? String(r.redisCalls.total) : '–',
        `${(r.fanout.lossRatio * 100).toFixed(2)}%`,
      ]);
  return markdownTable(['scenario', 'deliveries/s', 'CPU cores', 'CPU s per 1k deliveries', 'Redis cmds/pub', 'loss'], rows);
}
