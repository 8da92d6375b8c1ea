#!/usr/bin/env node
// `npm run bench`: every peer started, loaded and stopped in one run; a ratio table on stdout and
// a JSON file under bench/results/. See README.md for how to read it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { PEERS_AVAILABLE, rssBytes, startPeer } from './lib/peers.mjs';
import { SubscriberPool } from './lib/pool.mjs';
import { multiNodeRun, multiNodeTable } from './lib/multinode.mjs';
import { connectProxyRatio, Progress, protocolFloorRatios, ratioTable, transportRatios } from './lib/report.mjs';
import { connectSubscribers, fanOut, idleMemory } from './lib/workloads.mjs';
import { measureWireBytes, wireBytesLines } from './lib/wire-bytes.mjs';

const BASELINE = 'ws-preframed';
const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: Object.keys(PEERS_AVAILABLE).join(',') },
    subscribers: { type: 'string', default: '5000' },
    size: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '8' },
    window: { type: 'string', default: '8' },
    'latency-subscribers': { type: 'string', default: '1000' },
    'latency-rate': { type: 'string', default: '50' },
    'latency-seconds': { type: 'string', default: '5' },
    'connect-concurrency': { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
    'sample-every': { type: 'string', default: '10' },
    // The multi-node run (lib/multinode.mjs); --multinode-subscribers 0 skips it.
    'multinode-subscribers': { type: 'string', default: '2000' },
    'multinode-seconds': { type: 'string', default: '5' },
    // Wider than --window: a publication crosses Redis, so more must be in flight to keep the nodes busy.
    'multinode-window': { type: 'string', default: '32' },
    // Bytes per delivery for JSON, protobuf and delta (lib/wire-bytes.mjs); 0 skips it.
    'wire-publications': { type: 'string', default: '300' },
    out: { type: 'string', default: new URL('./results/', import.meta.url).pathname },
  },
  strict: true,
});

const settings = {
  subscribers: Number(values.subscribers),
  size: Number(values.size),
  seconds: Number(values.seconds),
  window: Number(values.window),
  latencySubscribers: Number(values['latency-subscribers']),
  latencyRate: Number(values['latency-rate']),
  latencySeconds: Number(values['latency-seconds']),
  connectConcurrency: Number(values['connect-concurrency']),
  workers: Number(values.workers),
  sampleEvery: Number(values['sample-every']),
};
const peers = values.peers.split(',').map((p) => p.trim()).filter(Boolean);
for (const name of peers) {
  if (!PEERS_AVAILABLE[name]) {
    process.stderr.write(`unknown peer "${name}"; known: ${Object.keys(PEERS_AVAILABLE).join(', ')}\n`);
    process.exit(2);
  }
}

const progress = new Progress();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function benchPeer(name, index) {
  const tag = `[${index + 1}/${peers.length} ${name}]`;
  const peer = await startPeer(name);
  const pool = new SubscriberPool(settings.workers);
  try {
    await sleep(500);
    const heapBefore = await peer.collectGarbage();
    const rssBefore = rssBytes(peer.pid);
    progress.update(`${tag} connecting ${settings.subscribers} subscribers`);
    const connect = await connectSubscribers(pool, peer, settings);
    if (connect.connected === 0) throw new Error(`no subscriber connected: ${JSON.stringify(connect.errors)}`);
    progress.update(`${tag} idle memory`);
    const memory = await idleMemory(peer, { rssBefore, heapBefore }, connect.connected, 2_000);
    const fanout = await fanOut(pool, peer, { subscribers: connect.connected, size: settings.size, seconds: settings.seconds, rate: 0, window: settings.window },
      (line) => progress.update(`${tag} fan-out ${line}`));
    await pool.trim(Math.min(settings.latencySubscribers, await pool.openCount()));
    await sleep(1_000);
    const open = await pool.openCount();
    const latency = await fanOut(pool, peer, { subscribers: open, size: settings.size, seconds: settings.latencySeconds, rate: settings.latencyRate, window: 0 },
      (line) => progress.update(`${tag} latency ${line}`));
    const crash = peer.crashed();
    if (crash) throw new Error(crash);
    const result = { name, connect, memory, fanout, latency };
    progress.log(`${tag} ${(fanout.deliveriesPerSecond / 1000).toFixed(1)}k deliveries/s, ${connect.perSecond.toFixed(0)} connects/s, ` +
      `${memory.kibPerConnection.toFixed(1)} KiB/conn (${memory.kibPerConnectionAfterGc.toFixed(1)} after GC, heap ${memory.heapKibPerConnection.toFixed(2)}), p99 ${latency.latency.p99?.toFixed(2)} ms at ${(latency.deliveriesPerSecond / 1000).toFixed(1)}k/s`);
    return result;
  } finally {
    await pool.close();
    await peer.stop();
  }
}

const started = new Date();
// Other work on the machine skews every figure: the load average at start and end is part of the result.
const loadAtStart = loadavg()[0];
const results = [];
for (const [index, name] of peers.entries()) {
  try {
    results.push(await benchPeer(name, index));
  } catch (error) {
    progress.log(`[${name}] failed: ${error.message}`);
    results.push({ name, error: error.message });
  }
}

const multiNode = Number(values['multinode-subscribers']) > 0
  ? await multiNodeRun({ ...settings, subscribers: Number(values['multinode-subscribers']), seconds: Number(values['multinode-seconds']), window: Number(values['multinode-window']) }, progress)
  : [];

const wirePublications = Number(values['wire-publications']);
if (wirePublications > 0) progress.update('wire bytes per delivery');
const wire = wirePublications > 0 ? await measureWireBytes(wirePublications) : undefined;

const machine = {
  cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: process.platform,
  loadAverage: { start: +loadAtStart.toFixed(2), end: +loadavg()[0].toFixed(2) },
};
const table = ratioTable(results, BASELINE);
process.stdout.write(`\nrenum-realtime bench ${started.toISOString()}  (${machine.cpus} cores, ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.start} → ${machine.loadAverage.end})\n`);
process.stdout.write(`fan-out: ${settings.subscribers} subscribers, ${settings.size} B, ${settings.seconds} s saturated; latency: ${settings.latencySubscribers} subscribers at ${settings.latencyRate} publications/s; ratios vs ${BASELINE}\n\n`);
process.stdout.write(`${table}\n`);
const fallbacks = [...transportRatios(results), ...connectProxyRatio(results), ...protocolFloorRatios(results)];
if (fallbacks.length > 0) process.stdout.write(`\n${fallbacks.join('\n')}\n`);
if (wire) process.stdout.write(`\n${wireBytesLines(wire).join('\n')}\n`);
if (multiNode.length > 0) {
  process.stdout.write(`\nmulti-node: ${values['multinode-subscribers']} subscribers spread over the nodes, one channel with history, ${values['multinode-seconds']} s saturated (window ${values['multinode-window']}); ratios vs 1 node, memory engine\n\n`);
  process.stdout.write(`${multiNodeTable(multiNode)}\n`);
}
mkdirSync(values.out, { recursive: true });
const file = `${values.out}/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ started: started.toISOString(), finished: new Date().toISOString(), machine, settings, baseline: BASELINE, results, multiNode, wire }, null, 2));
process.stdout.write(`\nresults: ${file}\n`);
