import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the gateway exports; names are what the alert rules and dashboards use. */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'realtime_connections', help: 'Open client connections (connected sessions), by transport.', labelNames: ['transport'], registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'realtime_subscriptions', help: 'Channel subscriptions held by local clients.', registers: [this.registry] });
  readonly channels = new Gauge({ name: 'realtime_channels', help: 'Channels with at least one local subscriber.', registers: [this.registry] });
  readonly commands = new Counter({ name: 'realtime_commands_total', help: 'Client commands received, by method.', labelNames: ['method'], registers: [this.registry] });
  readonly commandErrors = new Counter({ name: 'realtime_command_errors_total', help: 'Client commands answered with an error, by method and code.', labelNames: ['method', 'code'], registers: [this.registry] });
  readonly pushes = new Counter({ name: 'realtime_pushes_total', help: 'Pushes sent to clients, by type (one per receiving socket).', labelNames: ['type'], registers: [this.registry] });
  readonly publications = new Counter({ name: 'realtime_publications_total', help: 'Publications accepted, by source (api or client).', labelNames: ['source'], registers: [this.registry] });
  readonly deliveryLatency = new Histogram({
    name: 'realtime_publish_delivery_seconds',
    help: 'Time from accepting a publication to handing it to every local subscriber socket.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly handshakeRejections = new Counter({ name: 'realtime_handshake_rejections_total', help: 'Upgrade requests refused before a WebSocket existed, by reason.', labelNames: ['reason'], registers: [this.registry] });
  readonly disconnects = new Counter({ name: 'realtime_disconnects_total', help: 'Closed client connections, by close code and reason.', labelNames: ['code', 'reason'], registers: [this.registry] });
  readonly bytesIn = new Counter({ name: 'realtime_bytes_in_total', help: 'Bytes received from clients in WebSocket messages.', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'realtime_bytes_out_total', help: 'Bytes sent to clients in WebSocket messages.', registers: [this.registry] });
  readonly brokerUp = new Gauge({ name: 'realtime_broker_up', help: '1 while the broker (Redis, when configured) is reachable, else 0.', registers: [this.registry] });
  readonly transportFallbacks = new Counter({
    name: 'realtime_transport_fallbacks_total',
    help: 'Clients that fell back from one transport to another, as they reported it, by transport and reason.',
    labelNames: ['from', 'to', 'reason'],
    registers: [this.registry],
  });
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
  readonly apiRequests = new Counter({ name: 'realtime_api_requests_total', help: 'Server API requests, by method and HTTP status.', labelNames: ['method', 'status'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'realtime_process_' });
  }
}
