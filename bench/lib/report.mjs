/** Percentiles, the ratio table and the progress line. */

export function percentiles(samples) {
  if (samples.length === 0) return { p50: null, p99: null, max: null, count: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], count: sorted.length };
}

/** Columns of the table: where the figure sits in a peer's result, how to print it. */
export const COLUMNS = [
  { title: 'connect/s', get: (r) => r.connect?.perSecond, format: (v) => kilo(v) },
  { title: 'srv µs/conn', get: (r) => r.connect?.serverMicrosPerConnection, format: (v) => v.toFixed(0) },
  { title: 'conn fail', get: (r) => r.connect?.failed, format: (v) => String(v), noRatio: true },
  { title: 'KiB/conn', get: (r) => r.memory?.kibPerConnection, format: (v) => v.toFixed(1) },
  { title: 'after GC', get: (r) => r.memory?.kibPerConnectionAfterGc, format: (v) => v.toFixed(1) },
  { title: 'heap KiB', get: (r) => r.memory?.heapKibPerConnection, format: (v) => v.toFixed(2) },
  { title: 'deliveries/s', get: (r) => r.fanout?.deliveriesPerSecond, format: (v) => kilo(v) },
  { title: 'loss', get: (r) => r.fanout?.lossRatio, format: (v) => `${(v * 100).toFixed(2)}%`, noRatio: true },
  { title: 'srv CPU', get: (r) => r.fanout?.cpu.server, format: (v) => v.toFixed(2), noRatio: true },
  { title: 'sat p99 ms', get: (r) => r.fanout?.latency.p99, format: (v) => v.toFixed(1) },
  { title: 'lat p50 ms', get: (r) => r.latency?.latency.p50, format: (v) => v.toFixed(2) },
  { title: 'lat p99 ms', get: (r) => r.latency?.latency.p99, format: (v) => v.toFixed(2) },
  { title: 'lat max ms', get: (r) => r.latency?.latency.max, format: (v) => v.toFixed(1) },
  { title: 'lat loss', get: (r) => r.latency?.lossRatio, format: (v) => `${(v * 100).toFixed(2)}%`, noRatio: true },
];

function kilo(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0);
}

/** A markdown table: each figure with its ratio to the baseline peer's figure. */
export function ratioTable(results, baselineName) {
  const baseline = results.find((r) => r.name === baselineName);
  const header = ['peer', ...COLUMNS.map((c) => c.title)];
  const rows = results.map((result) => [
    result.error ? `${result.name} (failed: ${result.error.slice(0, 60)})` : result.name,
    ...COLUMNS.map((column) => {
      const value = column.get(result);
      if (value === undefined || value === null) return '–';
      const base = baseline && column.get(baseline);
      const ratio = !column.noRatio && base ? ` (${(value / base).toFixed(2)}×)` : '';
      return `${column.format(value)}${ratio}`;
    }),
  ]);
  return markdownTable(header, rows);
}

/** Rows of strings as an aligned markdown table. */
export function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The HTTP fallbacks against the same gateway over WebSocket, measured in the same run: fan-out
 * throughput and server CPU per delivery, as ratios. Empty when either side did not run.
 */
export function transportRatios(results, webSocketName = 'gateway-node') {
  const ws = results.find((r) => r.name === webSocketName && !r.error);
  if (!ws) return [];
  return results
    .filter((r) => ['gateway-http_stream', 'gateway-sse'].includes(r.name) && !r.error)
    .map((r) => {
      const throughput = r.fanout.deliveriesPerSecond / ws.fanout.deliveriesPerSecond;
      const perDelivery = (result) => result.fanout.cpu.server / result.fanout.deliveriesPerSecond;
      const cpu = perDelivery(r) / perDelivery(ws);
      return `${r.name.slice('gateway-'.length)} vs websocket: ${throughput.toFixed(2)}× deliveries/s, ${cpu.toFixed(2)}× server CPU per delivery`;
    });
}

/** Connect through the connect proxy against a token connect on the same gateway, in one run. */
export function connectProxyRatio(results) {
  const token = results.find((r) => r.name === 'gateway-node' && !r.error);
  const proxied = results.find((r) => r.name === 'gateway-connect-proxy' && !r.error);
  if (!token || !proxied) return [];
  return [`connect through the connect proxy vs a JWT connect: ${(proxied.connect.perSecond / token.connect.perSecond).toFixed(2)}× connects/s (${proxied.connect.perSecond.toFixed(0)} vs ${token.connect.perSecond.toFixed(0)})`];
}

/** Each runtime's bare server, the client protocol's floor on it (lib/protocol-floor.mjs), and our gateway on it. */
const FLOORS = [
  { runtime: 'Node', bare: ['ws', 'ws-preframed'], floors: ['ws-floor', 'ws-floor-jwt'], gateway: 'gateway-node' },
  { runtime: 'Bun', bare: ['bun-pubsub'], floors: ['bun-floor-jwt'], gateway: 'gateway-bun' },
];

const FLOOR_COLUMNS = COLUMNS.filter(({ title }) => ['connect/s', 'srv µs/conn', 'KiB/conn', 'heap KiB'].includes(title));

/**
 * How far the client protocol itself sits from a bare server (a hello frame to read and answer,
 * a token to check), and how far the gateway sits from that floor: connects/s and KiB/conn.
 */
export function protocolFloorRatios(results) {
  const ok = (name) => results.find((r) => r.name === name && !r.error);
  const lines = [];
  for (const { runtime, bare: bareNames, floors, gateway: gatewayName } of FLOORS) {
    const bare = bareNames.map(ok).find(Boolean);
    const gateway = ok(gatewayName);
    if (!bare) continue;
    for (const floor of floors.map(ok).filter(Boolean)) {
      const against = (peer, base) => FLOOR_COLUMNS.map(({ title, get }) => `${(get(peer) / get(base)).toFixed(2)}× ${title}`).join(', ');
      const ofGateway = gateway ? `; ${gatewayName} vs ${floor.name}: ${against(gateway, floor)}` : '';
      lines.push(`${runtime} protocol floor: ${floor.name} vs ${bare.name}: ${against(floor, bare)}${ofGateway}`);
    }
  }
  return lines;
}

/** One self-overwriting status line on a terminal, an occasional plain line otherwise. */
export class Progress {
  constructor(stream = process.stderr) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.lastPlain = 0;
  }

  update(text) {
    if (this.tty) return void this.stream.write(`\r\x1b[2K${text}`);
    if (Date.now() - this.lastPlain < 2_000) return;
    this.lastPlain = Date.now();
    this.stream.write(`${text}\n`);
  }

  log(text) {
    this.stream.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}
