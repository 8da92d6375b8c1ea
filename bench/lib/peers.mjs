import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUN = join(ROOT, 'node_modules/.bin/bun');
const PEERS = join(ROOT, 'bench/peers');
const CLI = join(ROOT, 'packages/server/dist/cli');
const GC_ON_SIGNAL = join(ROOT, 'bench/lib/gc-on-signal.mjs');
export const GATEWAY_SECRET = 'bench-hmac-secret-bench-hmac-secret';
export const GATEWAY_API_KEY = 'bench-api-key';

/** The gateway's bench config: open channel, no limits that a load test would trip; `extra` keys on top (its `client` merged into ours). */
export function gatewayConfig({ client = {}, ...extra } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'renum-bench-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({
    data_dir: join(dir, 'data'),
    http_server: { address: '127.0.0.1', port: 0 },
    log: { level: 'error' },
    client: {
      token: { hmac_secret_key: GATEWAY_SECRET },
      connection_limit: 100_000,
      user_connection_limit: 100_000,
      command_rate_limit: { per_second: 1_000_000, burst: 1_000_000, disconnect_after: 1_000_000 },
      connect_rate_limit: { per_second: 0, per_address_per_second: 0 },
      ...client,
    },
    http_api: { key: GATEWAY_API_KEY },
    channel: { without_namespace: { allow_subscribe_for_client: true, allow_publish_for_client: true } },
    ...extra,
  }));
  return file;
}

/** `renum-realtime serve` on Node with this config file. */
export const gatewayCommand = (configFile) => [process.execPath, [join(CLI, 'main.js'), 'serve', '--config', configFile]];

/** Every server the bench compares; `protocol` picks the load generator's dialect. */
export const PEERS_AVAILABLE = {
  'ws': { protocol: 'raw', command: () => [process.execPath, [join(PEERS, 'ws.mjs'), 'send']] },
  'ws-preframed': { protocol: 'raw', command: () => [process.execPath, [join(PEERS, 'ws.mjs'), 'preframed']] },
  'socketio': { protocol: 'socketio', path: '/socket.io/', command: () => [process.execPath, [join(PEERS, 'socketio.mjs')]] },
  'bun-pubsub': { protocol: 'raw', command: () => [BUN, [join(PEERS, 'bun-pubsub.mjs')]] },
  // The floor of the client protocol: bare servers that answer its hello (lib/protocol-floor.mjs).
  'ws-floor': { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => [process.execPath, [join(PEERS, 'ws.mjs'), 'floor']] },
  'ws-floor-jwt': { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => [process.execPath, [join(PEERS, 'ws.mjs'), 'floor-jwt']] },
  'bun-floor-jwt': { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => [BUN, [join(PEERS, 'bun-pubsub.mjs'), 'floor-jwt']] },
  'gateway-node': { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => gatewayCommand(gatewayConfig()) },
  // The same gateway, its subscribers on the HTTP fallbacks (the publisher stays on WebSocket).
  'gateway-http_stream': { protocol: 'gateway', transport: 'http_stream', secret: GATEWAY_SECRET, command: () => gatewayCommand(gatewayConfig()) },
  'gateway-sse': { protocol: 'gateway', transport: 'sse', secret: GATEWAY_SECRET, command: () => gatewayCommand(gatewayConfig()) },
  // Connects without a token, authenticated by a back end the peer starts (bench/peers/connect-proxy-backend.mjs).
  'gateway-connect-proxy': { protocol: 'gateway', backend: join(PEERS, 'connect-proxy-backend.mjs'), command: (backendPort) => gatewayCommand(gatewayConfig({ client: { proxy: { connect: { enabled: true, endpoint: `http://127.0.0.1:${backendPort}/connect`, max_concurrency: 256 } } } })) },
  'gateway-bun': { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => [BUN, [join(CLI, 'bun-main.js'), 'serve', '--config', gatewayConfig()]] },
};

/** Runs a process and waits until it says where it listens (`listening PORT` or the gateway banner). */
function spawnListening(name, command, args, timeoutMs) {
  // BENCH_CPU_PROF=DIR: Node peers write a V8 CPU profile there when stopped (see README).
  if (process.env.BENCH_CPU_PROF && command === process.execPath) args.unshift('--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF);
  if (command === process.execPath) args.unshift('--expose-gc', '--import', GC_ON_SIGNAL);
  else if (command === BUN) args.unshift('--preload', GC_ON_SIGNAL);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // BENCH_PEER_LOG=DIR: every peer's whole output goes to DIR/NAME-PID.log (the tail below is short).
  const logFile = process.env.BENCH_PEER_LOG ? createWriteStream(join(process.env.BENCH_PEER_LOG, `${name}-${child.pid}.log`)) : undefined;
  let output = '';
  let collections = 0;
  const collected = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${output}`));
    }, timeoutMs);
    let started = false;
    const scan = (chunk) => {
      logFile?.write(chunk);
      const done = [...String(chunk).matchAll(/bench-gc-done heap=(\d+)/g)];
      if (done.length > 0) {
        collections += done.length;
        const heapUsed = Number(done.at(-1)[1]);
        while (collected.length > 0 && collected[0].after < collections) collected.shift().resolve(heapUsed);
      }
      // Keep draining, and only the tail: it explains a peer that dies under load.
      output = (output + chunk).slice(-8_000);
      if (started) return;
      const plain = output.match(/listening (\d+)/);
      const banner = output.match(/WebSocket: ws:\/\/[^:]+:(\d+)(\/\S*)/);
      if (!plain && !banner) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      started = true;
      resolve({
        child,
        port: Number((plain ?? banner)[1]),
        path: banner?.[2],
        /** A full garbage collection in the peer (see gc-on-signal.mjs); resolves once it is done. */
        collectGarbage: (timeoutMs = 10_000) => new Promise((done, fail) => {
          const waiting = { after: collections, resolve: (heapUsed) => (clearTimeout(late), done(heapUsed)) };
          const late = setTimeout(() => fail(new Error(`${name} did not collect garbage within ${timeoutMs} ms`)), timeoutMs);
          collected.push(waiting);
          child.kill('SIGUSR2');
        }),
        /** Why the process died, if it did: a bench figure from a dead peer is no figure. */
        crashed: () => (child.exitCode !== null || child.signalCode !== null ? `${name} exited (${child.exitCode ?? child.signalCode}): ${output.slice(-1_000)}` : undefined),
      });
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${output}`));
    });
  });
}

/** Starts a peer (and the back end it calls, if it has one) and says where it listens. */
export async function startPeer(name, timeoutMs = 15_000, peer = PEERS_AVAILABLE[name]) {
  const backend = peer.backend ? await spawnListening(`${name} back end`, process.execPath, [peer.backend], timeoutMs) : undefined;
  const [command, args] = peer.command(backend?.port);
  let server;
  try {
    server = await spawnListening(name, command, args, timeoutMs);
  } catch (error) {
    if (backend) await stopChild(backend.child);
    throw error;
  }
  return {
    name,
    protocol: peer.protocol,
    transport: peer.transport,
    secret: peer.secret,
    host: '127.0.0.1',
    port: server.port,
    path: server.path ?? peer.path ?? '/',
    pid: server.child.pid,
    stop: async () => {
      await stopChild(server.child);
      if (backend) await stopChild(backend.child);
    },
    collectGarbage: () => server.collectGarbage(),
    crashed: () => server.crashed() ?? backend?.crashed(),
  };
}

function stopChild(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process in bytes (Linux). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far (Linux, all threads). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
