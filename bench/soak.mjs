// `npm run soak`: a bounded soak of two gateway processes on one Redis, reached through a fault
// proxy that cuts Redis mid-run. Thousands of protocol-level subscribers (bench/lib/soak-client.mjs)
// churn — dropped and reconnecting with recovery, leaving, joining — while publications flow
// through the server API. At the end it checks every subscriber's stream by offsets and each
// gateway's RSS and open file descriptors against the baseline; exit code 1 when a check fails.
//
//   npm run soak -- --seconds 180 --connections 3000
//
// Options (defaults in brackets): --seconds [120] run time, --connections [2000] subscribers,
// --channels [20], --rate [50] publications per second, --churn [0.02] share of subscribers dropped
// each second, --cut-at [40% of the run] and --cut-for [5] seconds of Redis outage, --json.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintToken } from './lib/jwt.mjs';
import { startRedis } from './lib/multinode.mjs';
import { GATEWAY_API_KEY, GATEWAY_SECRET, gatewayCommand, gatewayConfig, rssBytes, startPeer } from './lib/peers.mjs';
import { SoakSubscriber } from './lib/soak-client.mjs';
import { TcpForwarder } from './lib/tcp-fault.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    connections: { type: 'string', default: '2000' },
    channels: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    churn: { type: 'string', default: '0.02' },
    'cut-at': { type: 'string' },
    'cut-for': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const settings = {
  seconds,
  connections: Number(values.connections),
  channels: Number(values.channels),
  rate: Number(values.rate),
  churn: Number(values.churn),
  cutAt: values['cut-at'] === undefined ? Math.round(seconds * 0.4) : Number(values['cut-at']),
  cutFor: Number(values['cut-for']),
};
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`--${name}: not a number ≥ 0`);
}

/**
 * Tolerances at the end, measured after every subscriber has gone and the gateways had a few
 * seconds to close sockets. File descriptors must come back almost exactly (a leaked socket is one
 * more each time): a few of slack for Redis reconnections still closing. RSS is compared with the
 * baseline taken after a warm-up round of connections, because V8 keeps heap it grew once; past
 * the larger of 25 % and 48 MiB over it means memory held per connection that left.
 */
const FD_SLACK = 8;
const RSS_SLACK_RATIO = 0.25;
const RSS_SLACK_BYTES = 48 * 1024 * 1024;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`[soak] ${line}\n`);
const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const TCP_STATES = { '01': 'ESTABLISHED', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };

/** What a process's TCP sockets are (local port → remote port, state): says which ones stayed open. */
function openSockets(pid) {
  const inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } }).filter((l) => l.startsWith('socket:')).map((l) => l.slice(8, -1)));
  const port = (address) => parseInt(address.split(':')[1], 16);
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((line) => line.trim().split(/\s+/)).filter((f) => inodes.has(f[9]))
    .map((f) => `${port(f[1])}->${port(f[2])} ${TCP_STATES[f[3]] ?? f[3]}`);
}
const usage = (gateway) => ({ rss: rssBytes(gateway.pid), fds: fdCount(gateway.pid) });

const redis = await startRedis('standalone');
const proxy = await TcpForwarder.start(() => [redis.servers[0].port]);
const gateways = [];
const subscribers = new Set();
let failed = false;
const check = (ok, what) => {
  if (!ok) failed = true;
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  return ok;
};

try {
  const config = gatewayConfig({
    engine: { redis: { address: `redis://127.0.0.1:${proxy.port}`, prefix: 'soak:', command_timeout: '500ms' } },
    channel: { namespaces: [{ name: 'soak', history_size: 100_000, history_ttl: '900s', force_recovery: true, allow_subscribe_for_client: true }] },
  });
  for (const i of [0, 1]) gateways.push(await startPeer(`gateway ${i}`, 15_000, { protocol: 'gateway', command: () => gatewayCommand(config) }));
  const urls = gateways.map((g) => `ws://127.0.0.1:${g.port}${g.path}`);
  let serial = 0;

  /** A new subscriber on `channel`, kept connected (reconnecting, alternately to each node) until closed. */
  const join = async (channel) => {
    const id = serial++;
    const subscriber = new SoakSubscriber(urls[id % 2], mintToken(GATEWAY_SECRET, `user${id}`), `soak:${channel}`);
    let node = id;
    subscriber.onLost = () => setTimeout(() => {
      subscriber.url = urls[++node % 2];
      subscriber.open().catch(() => undefined);
    }, 100 + Math.random() * 1500);
    subscribers.add(subscriber);
    await subscriber.open().catch(() => undefined);
    return subscriber;
  };
  const joinMany = async (count) => {
    for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => join((i + j) % settings.channels)));
  };
  const leaveAll = () => {
    for (const subscriber of subscribers) subscriber.close();
    subscribers.clear();
  };

  // Warm-up: one full round of connections first, so the baseline includes what V8 grows once.
  await joinMany(settings.connections);
  leaveAll();
  await sleep(3_000);
  const baseline = gateways.map(usage);
  log(`baseline: ${baseline.map((b) => `${(b.rss / 2 ** 20).toFixed(0)} MiB, ${b.fds} fds`).join(' | ')}`);

  await joinMany(settings.connections);
  log(`${[...subscribers].filter((s) => s.subscribed).length}/${settings.connections} subscribed`);

  // Publications through the server API, alternately on each node; acknowledged ones are counted.
  const lastAcked = new Map();
  const published = { acked: 0, refused: 0 };
  let publishing = true;
  const publisher = (async () => {
    for (let n = 0; publishing; n++) {
      const channel = `soak:${n % settings.channels}`;
      const gateway = gateways[n % 2];
      try {
        const response = await fetch(`http://127.0.0.1:${gateway.port}/api/publish`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': GATEWAY_API_KEY },
          body: JSON.stringify({ channel, data: { n } }),
          signal: AbortSignal.timeout(5_000),
        });
        const reply = await response.json();
        if (reply.result?.offset !== undefined) {
          published.acked += 1;
          lastAcked.set(channel, Math.max(lastAcked.get(channel) ?? 0, reply.result.offset));
        } else published.refused += 1;
      } catch {
        published.refused += 1;
      }
      await sleep(1000 / settings.rate);
    }
  })();

  const started = Date.now();
  let cut = false;
  while (Date.now() - started < seconds * 1000) {
    const elapsed = (Date.now() - started) / 1000;
    if (!cut && elapsed >= settings.cutAt) {
      cut = true;
      log(`cutting Redis for ${settings.cutFor} s at ${elapsed.toFixed(0)} s`);
      proxy.cut();
      setTimeout(() => {
        proxy.restore();
        log('Redis restored');
      }, settings.cutFor * 1000);
    }
    const live = [...subscribers];
    const drops = Math.round(live.length * settings.churn);
    for (let i = 0; i < drops; i++) live[Math.floor(Math.random() * live.length)].drop();
    // As many leave for good as join fresh, so the count stays level.
    for (let i = 0; i < Math.ceil(drops / 4); i++) {
      const leaving = live[Math.floor(Math.random() * live.length)];
      leaving.close();
      subscribers.delete(leaving);
      void join(serial % settings.channels);
    }
    for (const gateway of gateways) if (gateway.crashed()) throw new Error(gateway.crashed());
    await sleep(1000);
  }
  publishing = false;
  await publisher;
  log(`published: ${published.acked} acknowledged, ${published.refused} refused (the outage's)`);

  // Every subscriber still there must catch up to the last acknowledged offset of its channel.
  const caughtUp = (s) => s.subscribed && s.offset >= (lastAcked.get(s.channel) ?? 0);
  for (let waited = 0; waited < 30_000 && ![...subscribers].every(caughtUp); waited += 200) await sleep(200);
  const stayed = [...subscribers].filter((s) => !s.gone);
  const behind = stayed.filter((s) => !caughtUp(s));
  const violations = stayed.flatMap((s) => s.violations);
  const gaps = stayed.reduce((sum, s) => sum + s.gaps, 0);
  const recoveries = stayed.reduce((sum, s) => sum + s.recoveries, 0);
  const received = stayed.reduce((sum, s) => sum + s.received, 0);
  check(published.acked > 0, `${published.acked} publications acknowledged`);
  check(violations.length === 0, `no duplicate, reordered or unannounced missing publication (${violations.length}${violations.length ? `, first ${JSON.stringify(violations[0])}` : ''})`);
  check(behind.length === 0, `all ${stayed.length} subscribers that stayed hold every acknowledged publication (${behind.length} behind)`);
  log(`${received} publications received, ${recoveries} resubscribes with recovery, ${gaps} admitted gaps (recovered: false)`);

  leaveAll();
  // Closing thousands of sockets takes the gateways a while on a busy machine: wait for the fds to
  // come all but back (or 30 s), then judge against the slack.
  const settled = (b, now) => now.fds <= b.fds + 2;
  let after = gateways.map(usage);
  for (let waited = 0; waited < 30_000 && !after.every((now, i) => settled(baseline[i], now)); waited += 500) {
    await sleep(500);
    after = gateways.map(usage);
  }
  for (const [i, now] of after.entries()) {
    const base = baseline[i];
    const rssLimit = base.rss + Math.max(base.rss * RSS_SLACK_RATIO, RSS_SLACK_BYTES);
    if (!check(now.fds <= base.fds + FD_SLACK, `gateway ${i}: ${now.fds} open fds (baseline ${base.fds}, slack ${FD_SLACK})`)) {
      log(`gateway ${i} TCP sockets (Redis proxy on ${proxy.port}): ${openSockets(gateways[i].pid).join(', ')}`);
    }
    check(now.rss <= rssLimit, `gateway ${i}: RSS ${(now.rss / 2 ** 20).toFixed(0)} MiB (baseline ${(base.rss / 2 ** 20).toFixed(0)} MiB, limit ${(rssLimit / 2 ** 20).toFixed(0)} MiB)`);
  }
  for (const gateway of gateways) check(!gateway.crashed(), `${gateway.name} still running`);
  if (values.json) process.stdout.write(`${JSON.stringify({ settings, published, stayed: stayed.length, received, recoveries, gaps, violations: violations.length, behind: behind.length, baseline, after, ok: !failed })}\n`);
} catch (error) {
  failed = true;
  log(`FAIL ${error.message}`);
} finally {
  for (const subscriber of subscribers) subscriber.close();
  await Promise.all(gateways.map((g) => g.stop()));
  await proxy.close();
  redis.stop();
}
process.exit(failed ? 1 : 0);
