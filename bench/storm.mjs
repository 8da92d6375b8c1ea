// The reconnect storm (issue 16): N subscribers with recovery on one gateway node on Redis; the
// node is killed (SIGKILL) and started again on the same port while an API publisher keeps
// publishing. Reports the steady connect rate, the time until every subscriber is back and
// recovered, that time against N ÷ the steady rate, and what the offsets say: lost (a silent
// gap), duplicates, and gaps the server told of (recovered: false).
//
//   npm run bench:storm -w @renum-realtime/bench -- --clients 5000
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { mintToken } from './lib/jwt.mjs';
import { startRedis } from './lib/multinode.mjs';
import { GATEWAY_API_KEY, GATEWAY_SECRET, gatewayCommand, gatewayConfig, startPeer } from './lib/peers.mjs';
import { markdownTable } from './lib/report.mjs';
import { StormClient } from './lib/storm-client.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    'in-flight': { type: 'string', default: '200' },
    'publish-every-ms': { type: 'string', default: '100' },
  },
});
const clients = Number(values.clients);
const inFlight = Number(values['in-flight']);
const publishEvery = Number(values['publish-every-ms']);
const CHANNEL = 'storm';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const stats = {
  subscribed: 0,
  lost: 0,
  duplicates: 0,
  told: 0,
  refusedOrFailed: 0,
  errors: [],
  onSubscribed() {
    this.subscribed += 1;
  },
  onLost() {
    this.subscribed -= 1;
  },
};

const redis = await startRedis('standalone');
const port = await freePort();
// The product's per-node connect rate and queue (only the per-address limit is off: every
// subscriber here comes from 127.0.0.1).
const config = gatewayConfig({
  http_server: { address: '127.0.0.1', port },
  engine: { redis: { address: redis.address, prefix: 'storm:' } },
  client: { connect_rate_limit: { per_address_per_second: 0 } },
  channel: { without_namespace: { allow_subscribe_for_client: true, history_size: 100_000, history_ttl: '600s', force_recovery: true } },
});
const start = () => startPeer('gateway-node', 15_000, { protocol: 'gateway', secret: GATEWAY_SECRET, command: () => gatewayCommand(config) });
let gateway = await start();
const subscribers = Array.from({ length: clients }, (_, i) => new StormClient({ host: '127.0.0.1', port, token: mintToken(GATEWAY_SECRET, `storm-${i}`), channel: CHANNEL, stats }));
let publisher;
try {
  // 1. Steady: connect + subscribe with a bounded number in flight, as the main bench does.
  const steadyStart = performance.now();
  let started = 0;
  while (started < clients) {
    while (started < clients && started - stats.subscribed < inFlight) subscribers[started++].start();
    await sleep(1);
  }
  await waitFor(() => stats.subscribed === clients, 60_000, 'every subscriber to connect');
  const steadyMs = performance.now() - steadyStart;
  const steadyRate = clients / (steadyMs / 1000);
  console.log(`steady: ${clients} connected and subscribed in ${seconds(steadyMs)} (${steadyRate.toFixed(0)}/s)`);

  // 2. Publications all along, through the server API; only acknowledged ones are promised.
  let acknowledged = 0;
  let failedPublishes = 0;
  let publishing = true;
  publisher = (async () => {
    for (let n = 1; publishing; n++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/publish`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': GATEWAY_API_KEY },
          body: JSON.stringify({ channel: CHANNEL, data: { n } }),
        });
        const body = await response.json();
        if (body.result?.offset) acknowledged = Math.max(acknowledged, body.result.offset);
        else failedPublishes += 1;
      } catch {
        failedPublishes += 1;
      }
      await sleep(publishEvery);
    }
  })();
  await sleep(1000);

  // 3. The storm: SIGKILL, start again on the same port, every subscriber comes back at once.
  const killedAt = performance.now();
  process.kill(gateway.pid, 'SIGKILL');
  await waitFor(() => stats.subscribed === 0, 10_000, 'every subscriber to see the node die');
  gateway = await start();
  const upAt = performance.now();
  await waitFor(() => stats.subscribed === clients, 120_000, 'every subscriber to come back');
  const backAt = performance.now();
  const stormMs = backAt - upAt;
  const ideal = (clients / steadyRate) * 1000;
  console.log(`storm: node up ${seconds(upAt - killedAt)} after the kill; every subscriber back and recovered ${seconds(stormMs)} later`);

  // 4. A little more traffic, then every subscriber must hold every acknowledged offset.
  await sleep(1000);
  publishing = false;
  await publisher;
  await waitFor(() => subscribers.every((s) => s.offset >= acknowledged), 20_000, `every subscriber to reach offset ${acknowledged}`);

  console.log();
  console.log(markdownTable(['measure', 'value'], [
    ['subscribers', String(clients)],
    ['steady connect + subscribe', `${steadyRate.toFixed(0)}/s (${seconds(steadyMs)})`],
    ['N ÷ steady rate', seconds(ideal)],
    ['storm: node up → all back and recovered', `${seconds(stormMs)} (${(stormMs / ideal).toFixed(2)}× N ÷ rate; goal ≤ 1.5×)`],
    ['storm: kill → all back', seconds(backAt - killedAt)],
    ['publications acknowledged', `${acknowledged}, one every ${publishEvery} ms (${failedPublishes} failed while the node was down)`],
    ['lost (silent gaps)', String(stats.lost)],
    ['duplicates', String(stats.duplicates)],
    ['told recovered: false', String(stats.told)],
    ['connect attempts refused or failed', String(stats.refusedOrFailed)],
  ]));
  if (stats.errors.length > 0) console.log(`subscribe errors: ${[...new Set(stats.errors)].slice(0, 5).join('; ')}`);
  process.exitCode = stats.lost === 0 && stats.duplicates === 0 ? 0 : 1;
} finally {
  for (const subscriber of subscribers) subscriber.stop();
  await gateway.stop();
  redis.stop();
}
