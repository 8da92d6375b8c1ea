import { DisconnectCodes, ErrorCodes, type CommandMethod } from '@renum-realtime/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type IncreaseDataWithExemplar, type LabelValues } from 'prom-client';

/**
 * Every metric the gateway exports; names are what the alert rules and dashboards use. Label
 * values come from fixed sets (Prometheus: "do not use labels to store dimensions with high
 * cardinality… such as user IDs"): callers may pass any text, and what is not in a label's set is
 * counted as "other". Every known combination is exported at 0 from the start, so that `rate()`
 * and alerts see a series before its first event.
 */

const COMMAND_METHODS = Object.keys({
  connect: 0, subscribe: 0, unsubscribe: 0, publish: 0, presence: 0, presence_stats: 0, history: 0, send: 0, rpc: 0, refresh: 0, sub_refresh: 0,
} satisfies Record<CommandMethod, 0>);
const ERROR_CODES = Object.values(ErrorCodes).map((e) => String(e.code));
const HANDSHAKE_REASONS = ['wrong_path', 'draining', 'origin_not_allowed', 'bad_handshake', 'connection_limit', 'connect_rate_node', 'connect_rate_address'];
const FALLBACK_TRANSPORTS = ['websocket', 'http_stream', 'sse'];
const TRANSPORTS = [...FALLBACK_TRANSPORTS, 'uni_websocket', 'uni_http_stream', 'uni_sse'];
const FALLBACK_REASONS = ['timeout', 'transport_closed', 'error'];
const PUSH_TYPES = ['pub', 'join', 'leave', 'unsubscribe', 'message', 'subscribe', 'connect', 'disconnect', 'refresh'];
const PUBLICATION_SOURCES = ['api', 'client'];
const API_STATUSES = ['200', '400', '401', '403', '404', '405', '413', '416', '429', '500', '503'];
const OTHER = 'other';

const snake = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** Closes a client makes itself (RFC 6455 §7.4.1), beside the gateway's own codes. */
const WEBSOCKET_CLOSES: Record<string, string> = { 1000: 'normal', 1001: 'going_away', 1005: 'no_status', 1006: 'abnormal', 1011: 'server_error' };

/** Per close code, its fixed reason names: the code table's reasons, snake_cased. */
const DISCONNECT_REASONS = new Map<string, string[]>();
for (const [code, name] of Object.entries(WEBSOCKET_CLOSES)) DISCONNECT_REASONS.set(code, [name]);
for (const { code, reason } of Object.values(DisconnectCodes)) {
  DISCONNECT_REASONS.set(String(code), [...(DISCONNECT_REASONS.get(String(code)) ?? []), snake(reason)]);
}

/**
 * `{code, reason}` of a closed connection, bounded: a code from the table with the reason name
 * the caller's text starts with (3501 is both "bad request" and "token required: …"), else the
 * code's first name; any other code (a custom one from the disconnect API) is "other".
 */
export function disconnectLabels(code: number | string, reason: string): { code: string; reason: string } {
  const names = DISCONNECT_REASONS.get(String(code));
  if (!names) return { code: OTHER, reason: OTHER };
  const said = snake(reason);
  return { code: String(code), reason: names.find((name) => said.startsWith(name)) ?? names[0]! };
}

type Labels = LabelValues<string>;

const isExemplar = (value: object): value is IncreaseDataWithExemplar<string> => 'exemplarLabels' in value;

/**
 * A counter whose label values pass through `bound` first; `known` are exported at 0 from the
 * start. prom-client assigns `inc` per instance, so it is wrapped here rather than overridden.
 */
function boundedCounter(config: CounterConfiguration<string>, bound: (labels: Labels) => Labels, known: Labels[]): Counter<string> {
  const counter = new Counter(config);
  const inc = counter.inc.bind(counter) as (labels?: Labels | number | IncreaseDataWithExemplar<string>, value?: number) => void;
  counter.inc = ((first?: Labels | number | IncreaseDataWithExemplar<string>, value?: number) => {
    if (typeof first !== 'object') return inc(first);
    if (isExemplar(first)) return inc({ ...first, labels: bound(first.labels ?? {}) });
    inc(bound(first), value);
  }) as Counter<string>['inc'];
  for (const labels of known) inc(labels, 0);
  return counter;
}

const oneOf = (allowed: readonly string[]) => (value: unknown) => (allowed.includes(String(value)) ? String(value) : OTHER);
const every = <K extends string>(key: K, values: readonly string[]) => values.map((value) => ({ [key]: value }) as Record<K, string>);
const product = (left: Labels[], right: Labels[]) => left.flatMap((a) => right.map((b) => ({ ...a, ...b })));

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'realtime_connections', help: 'Open client connections (connected sessions), by transport.', labelNames: ['transport'], registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'realtime_subscriptions', help: 'Channel subscriptions held by local clients.', registers: [this.registry] });
  readonly channels = new Gauge({ name: 'realtime_channels', help: 'Channels with at least one local subscriber.', registers: [this.registry] });
  readonly commands = boundedCounter(
    { name: 'realtime_commands_total', help: 'Client commands received, by method.', labelNames: ['method'], registers: [this.registry] },
    (l) => ({ method: oneOf(COMMAND_METHODS)(l.method) }),
    every('method', COMMAND_METHODS),
  );
  readonly commandErrors = boundedCounter(
    { name: 'realtime_command_errors_total', help: 'Client commands answered with an error, by method and code.', labelNames: ['method', 'code'], registers: [this.registry] },
    (l) => ({ method: oneOf(COMMAND_METHODS)(l.method), code: oneOf(ERROR_CODES)(l.code) }),
    product(every('method', COMMAND_METHODS), every('code', ERROR_CODES)),
  );
  readonly pushes = boundedCounter(
    { name: 'realtime_pushes_total', help: 'Pushes sent to clients, by type (one per receiving socket).', labelNames: ['type'], registers: [this.registry] },
    (l) => ({ type: oneOf(PUSH_TYPES)(l.type) }),
    every('type', PUSH_TYPES),
  );
  readonly publications = boundedCounter(
    { name: 'realtime_publications_total', help: 'Publications accepted, by source (api or client).', labelNames: ['source'], registers: [this.registry] },
    (l) => ({ source: oneOf(PUBLICATION_SOURCES)(l.source) }),
    every('source', PUBLICATION_SOURCES),
  );
  readonly deliveryLatency = new Histogram({
    name: 'realtime_publish_delivery_seconds',
    help: 'Time from accepting a publication to handing it to every local subscriber socket.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly connectQueueWait = new Histogram({
    name: 'realtime_connect_queue_wait_seconds',
    help: 'How long new connections waited for their turn past client.connect_rate_limit.per_second (queued ones only).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly handshakeRejections = boundedCounter(
    { name: 'realtime_handshake_rejections_total', help: 'Upgrade requests refused before a WebSocket existed, by reason.', labelNames: ['reason'], registers: [this.registry] },
    (l) => ({ reason: oneOf(HANDSHAKE_REASONS)(l.reason) }),
    every('reason', HANDSHAKE_REASONS),
  );
  readonly disconnects = boundedCounter(
    { name: 'realtime_disconnects_total', help: 'Closed client connections, by close code and the fixed name of its reason.', labelNames: ['code', 'reason'], registers: [this.registry] },
    (l) => disconnectLabels(l.code ?? '', String(l.reason ?? '')),
    [...[...DISCONNECT_REASONS].flatMap(([code, names]) => names.map((reason) => ({ code, reason }))), { code: OTHER, reason: OTHER }],
  );
  readonly bytesIn = new Counter({ name: 'realtime_bytes_in_total', help: 'Bytes received from clients in WebSocket messages.', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'realtime_bytes_out_total', help: 'Bytes sent to clients in WebSocket messages.', registers: [this.registry] });
  readonly brokerUp = new Gauge({ name: 'realtime_broker_up', help: '1 while the broker (Redis, when configured) is reachable, else 0.', registers: [this.registry] });
  readonly transportFallbacks = boundedCounter(
    { name: 'realtime_transport_fallbacks_total', help: 'Clients that fell back from one transport to another, as they reported it, by transport and reason.', labelNames: ['from', 'to', 'reason'], registers: [this.registry] },
    (l) => ({ from: oneOf(FALLBACK_TRANSPORTS)(l.from), to: oneOf(FALLBACK_TRANSPORTS)(l.to), reason: oneOf(FALLBACK_REASONS)(l.reason) }),
    [],
  );
  readonly proxyRequests = new Counter({
    name: 'realtime_proxy_requests_total',
    help: 'Requests to the back end event proxies, by proxy name, event and outcome (ok, error, disconnect, timeout, unreachable, http_status, malformed, overloaded).',
    labelNames: ['proxy', 'event', 'outcome'],
    registers: [this.registry],
  });
  readonly proxyDuration = new Histogram({
    name: 'realtime_proxy_duration_seconds',
    help: 'Time the back end event proxies took to answer, by proxy name and event.',
    labelNames: ['proxy', 'event'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /** The method is bounded where it is counted: a name the API does not serve is counted as "unknown". */
  readonly apiRequests = boundedCounter(
    { name: 'realtime_api_requests_total', help: 'Server API requests, by method and HTTP status.', labelNames: ['method', 'status'], registers: [this.registry] },
    (l) => ({ method: String(l.method), status: oneOf(API_STATUSES)(l.status) }),
    [],
  );

  constructor() {
    for (const transport of TRANSPORTS) this.connections.set({ transport }, 0);
    // The standard process_* and nodejs_* names, so stock dashboards and alerts find them.
    collectDefaultMetrics({ register: this.registry });
  }
}
