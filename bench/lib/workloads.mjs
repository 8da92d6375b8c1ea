import { BenchClient } from './client.mjs';
import { mintToken } from './jwt.mjs';
import { PROTOCOLS, now, publicationData } from './protocols.mjs';
import { percentiles } from './report.mjs';
import { cpuSeconds, rssBytes } from './peers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const target = (peer) => ({ host: peer.host, port: peer.port, path: peer.path, protocol: peer.protocol, transport: peer.transport });

/** Connect workload: `count` subscribers (JWT connect + subscribe for the gateway), `concurrency` in flight per worker. */
export async function connectSubscribers(pool, peer, settings) {
  const cpuBefore = cpuSeconds(peer.pid);
  const answers = await pool.connect(target(peer), settings.subscribers, {
    concurrency: settings.connectConcurrency,
    sampleEvery: settings.sampleEvery,
    secret: peer.secret,
    timeoutMs: 10_000,
  });
  const connected = answers.reduce((s, a) => s + a.connected, 0);
  const failed = answers.reduce((s, a) => s + a.failed, 0);
  const ms = Math.max(...answers.map((a) => a.ms));
  const errors = Object.assign({}, ...answers.map((a) => a.errors));
  // The server's own CPU per connection: on a small machine the load generator shares the cores,
  // and connects/s can be its limit rather than the server's.
  const serverMicrosPerConnection = connected > 0 ? ((cpuSeconds(peer.pid) - cpuBefore) * 1e6) / connected : undefined;
  return { connected, failed, ms, perSecond: connected / (ms / 1000), serverMicrosPerConnection, errors };
}

/**
 * Idle memory: server RSS growth per connection, after the connections settle, and again after a
 * full garbage collection in the peer (`rssBefore` was read after one too). The first holds
 * whatever garbage of the connect burst the runtime has not collected yet; the second is what the
 * connections themselves keep. The JavaScript heap in use after each collection gives the objects
 * alone, to the byte, where RSS moves by a kilobyte per connection between runs (bench/README).
 */
export async function idleMemory(peer, { rssBefore, heapBefore }, connections, settleMs) {
  await sleep(settleMs);
  const rssAfter = rssBytes(peer.pid);
  const heapAfterGc = await peer.collectGarbage();
  const rssAfterGc = rssBytes(peer.pid);
  const perConnection = (bytes, before) => (bytes - before) / 1024 / connections;
  return {
    rssBefore, rssAfter, rssAfterGc, heapBefore, heapAfterGc, connections,
    kibPerConnection: perConnection(rssAfter, rssBefore),
    kibPerConnectionAfterGc: perConnection(rssAfterGc, rssBefore),
    heapKibPerConnection: perConnection(heapAfterGc, heapBefore),
  };
}

/**
 * The publisher and a probe subscriber (connected last, so it hears each publication last). On
 * several gateway nodes (`peer.probeNode`), the probe listens on another node than the publisher.
 */
async function openPublisher(peer) {
  const token = (user) => (peer.secret ? mintToken(peer.secret, user) : undefined);
  // The probe listens as the subscribers do, so the window paces the transport under test.
  const probe = new BenchClient(peer.protocol, () => {}, undefined, peer.transport);
  await probe.open({ ...target(peer.probeNode ?? peer), role: 'subscriber', token: token('bench-probe'), subscribe: true, timeoutMs: 10_000 });
  const publisher = new BenchClient(peer.protocol, () => {}, undefined);
  await publisher.open({ ...target(peer), role: 'publisher', token: token('bench-publisher'), subscribe: false, timeoutMs: 10_000 });
  return { probe, publisher };
}

/**
 * Fan-out: publications of `size` bytes for `seconds`. `rate` > 0 publishes at that rate; 0 keeps
 * `window` publications ahead of the probe, which finds the peer's saturated throughput without
 * letting its queues grow without bound. Deliveries are counted by the subscriber threads.
 */
export async function fanOut(pool, peer, { subscribers, size, seconds, rate, window }, onProgress) {
  const { probe, publisher } = await openPublisher(peer);
  const protocol = PROTOCOLS[peer.protocol];
  let sent = 0;
  let heard = 0;
  probe.onDeliver = (count) => {
    heard += count;
    if (!rate) pump();
  };
  const publish = () => publisher.send(protocol.publish(publicationData(size, now()), sent++));
  await pool.all({ cmd: 'reset' });
  const started = performance.now();
  // Every server process of the peer: one, or each gateway node and Redis server of a multi-node run.
  const serverCpu = () => (peer.pids ?? [peer.pid]).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuAtStart = { server: serverCpu(), bench: cpuSeconds(process.pid) };
  const deadline = started + seconds * 1000;
  let publishing = true;
  const pump = () => {
    // A publication the probe never hears shrinks the window for good: an overloaded peer is
    // shown as slow and lossy, never pushed harder.
    if (!publishing) return;
    while (sent - heard < window) publish();
  };
  const ticker = setInterval(() => {
    if (rate) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due) publish();
    } else pump();
  }, rate ? 5 : 50);
  let deliveredAtEnd = 0;
  while (performance.now() < deadline) {
    await sleep(500);
    deliveredAtEnd = await pool.delivered();
    const elapsed = (performance.now() - started) / 1000;
    onProgress(`${elapsed.toFixed(1)}/${seconds}s  ${(deliveredAtEnd / elapsed / 1000).toFixed(1)}k deliveries/s  ${sent} published`);
  }
  publishing = false;
  clearInterval(ticker);
  const elapsedSeconds = (performance.now() - started) / 1000;
  // Which side was busy: a server well under one core while the load generator is saturated means the bench was the limit.
  const cpu = {
    server: (serverCpu() - cpuAtStart.server) / elapsedSeconds,
    bench: (cpuSeconds(process.pid) - cpuAtStart.bench) / elapsedSeconds,
  };
  // Let what is in flight arrive (bounded) before counting loss.
  const expected = sent * subscribers;
  let stats = await pool.samples();
  for (let waited = 0; stats.delivered < expected && waited < 3_000; waited += 250) {
    await sleep(250);
    stats = await pool.samples();
  }
  probe.close();
  publisher.close();
  return {
    subscribers, size, rate, seconds: elapsedSeconds, published: sent,
    deliveriesPerSecond: deliveredAtEnd / elapsedSeconds,
    delivered: stats.delivered, expected, lossRatio: expected ? Math.max(0, expected - stats.delivered) / expected : 0,
    latency: percentiles(stats.samples),
    cpu,
  };
}
