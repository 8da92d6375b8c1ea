import type { RealtimeNode, TransportName } from '../core/index.js';
import { ClientAddresses } from '../http/client-address.js';
import { corsHeaders, type OriginPolicy } from '../policy/origin.js';

export interface Refusal {
  status: number;
  statusText: string;
  body: string;
  /** Stable reason, for the metric, the log line and the admin rejections view. */
  reason: string;
  /** Seconds, for 429 and 503 (Retry-After). */
  retryAfter?: number;
}

/** A token bucket per key (a node, or a client address), forgotten once full again. */
class ConnectBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string, now: number): boolean {
    return this.reserve(key, now, 0) !== undefined;
  }

  /**
   * Takes a token now, or books the next one that comes (the bucket goes below zero by what is
   * booked): the wait in ms, or undefined when that wait would exceed `maxWaitMs`.
   */
  reserve(key: string, now: number, maxWaitMs: number): number | undefined {
    if (this.perSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    const wait = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) / this.perSecond) * 1000;
    if (wait > maxWaitMs) {
      this.buckets.set(key, bucket);
      return undefined;
    }
    bucket.tokens -= 1;
    // A full bucket is the same as no bucket: drop it so idle addresses cost nothing.
    if (bucket.tokens >= this.burst - 1 && this.buckets.size > 10_000) this.buckets.delete(key);
    else this.buckets.set(key, bucket);
    return wait;
  }

  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}

/**
 * What every transport checks before a session exists, on every runtime alike: draining, the
 * origin policy, the node's connection limit and the connect rate (per node and per address), so
 * a refused client costs an HTTP answer, never an upgrade and a session.
 *
 * Past the node's connect rate a connection waits its turn, up to
 * `client.connect_rate_limit.queue_timeout`, before it is refused: a reconnect storm after a
 * restart becomes a queue the node works through at the rate it sustains, not a wave of 503s
 * that every client meets again after its backoff.
 */
export class Admission {
  private readonly perNode: ConnectBuckets;
  private readonly perAddress: ConnectBuckets;
  private readonly sweeper: NodeJS.Timeout;
  /** Who a request comes from, through the trusted proxies: the per-address limits key on it. */
  readonly addresses: ClientAddresses;

  constructor(
    readonly node: RealtimeNode,
    readonly policy: OriginPolicy,
  ) {
    const limit = node.config.client.connect_rate_limit;
    this.perNode = new ConnectBuckets(limit.per_second, limit.burst);
    this.perAddress = new ConnectBuckets(limit.per_address_per_second, limit.per_address_burst);
    this.addresses = new ClientAddresses(node.config.http_server.trusted_proxies);
    this.sweeper = setInterval(() => this.perAddress.sweep(Date.now()), 10_000);
    this.sweeper.unref();
  }

  /**
   * Counts, logs and reports a refusal before any session exists; the adapter answers it as plain
   * HTTP (a WebSocket upgrade included: the browser then sees the handshake fail).
   */
  refuse(refusal: Refusal, fields: { origin?: string; path?: string; transport?: TransportName; address?: string }): Refusal {
    const { node } = this;
    node.metrics.handshakeRejections.inc({ reason: refusal.reason });
    node.events.rejected({ kind: 'handshake', reason: refusal.reason, code: refusal.status, origin: fields.origin, remoteAddress: fields.address, detail: refusal.body, transport: fields.transport });
    node.log.warn({ event: 'handshake_rejected', reason: refusal.reason, profile: node.config.environment, ...fields }, refusal.body);
    return refusal;
  }

  /**
   * Whether a new connection may open. The origin policy runs here for every transport because
   * browsers do not apply CORS to WebSockets or EventSource GETs, so this is the only check.
   */
  async admit(transport: TransportName, origin: string | undefined, address: string | undefined): Promise<Refusal | undefined> {
    const fields = { origin, transport, address };
    const refusal = this.standing(fields);
    if (refusal) return refusal;
    const decision = this.policy.check(origin);
    if (!decision.allowed) return this.refuse({ status: 403, statusText: 'Forbidden', body: decision.reason, reason: 'origin_not_allowed' }, fields);
    const now = Date.now();
    // Per address first: one address past its own rate must not take places in the node's queue.
    if (address && !this.perAddress.take(address, now)) {
      return this.refuse({ status: 429, statusText: 'Too Many Requests', body: 'too many new connections from this address (client.connect_rate_limit.per_address_per_second); retry shortly', reason: 'connect_rate_address', retryAfter: 1 }, fields);
    }
    const { queue_timeout: queueTimeout } = this.node.config.client.connect_rate_limit;
    const wait = this.perNode.reserve('', now, queueTimeout);
    if (wait === undefined) {
      const body = `too many new connections on this node right now (client.connect_rate_limit.per_second), more than it queues for client.connect_rate_limit.queue_timeout; retry shortly`;
      return this.refuse({ status: 503, statusText: 'Service Unavailable', body, reason: 'connect_rate_node', retryAfter: Math.max(1, Math.ceil(queueTimeout / 1000)) }, fields);
    }
    if (wait === 0) return undefined;
    this.node.metrics.connectQueueWait.observe(wait / 1000);
    await new Promise((resolve) => setTimeout(resolve, wait));
    // The node may have started draining or filled up meanwhile.
    return this.standing(fields);
  }

  /** Refusals that hold for any connection at this moment: draining, and the connection limit. */
  private standing(fields: { origin?: string; transport: TransportName; address?: string }): Refusal | undefined {
    const { node } = this;
    if (node.isDraining) return this.refuse({ status: 503, statusText: 'Service Unavailable', body: 'server is shutting down; reconnect to another node', reason: 'draining', retryAfter: 1 }, fields);
    const { connection_limit: limit } = node.config.client;
    if (limit > 0 && node.sessions.size >= limit) {
      return this.refuse({ status: 503, statusText: 'Service Unavailable', body: `connection limit: this node holds ${limit} connections (client.connection_limit); reconnect to another node`, reason: 'connection_limit', retryAfter: 5 }, fields);
    }
    return undefined;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/**
 * CORS for the HTTP transports, from the same allowlist as the upgrade: credentials only for an
 * allowed origin, never `*`. A request without Origin (not a browser) needs none.
 */
export function transportCors(policy: OriginPolicy, origin: string | undefined, requestHeaders?: string | readonly string[]): Record<string, string> {
  return corsHeaders(policy, origin, requestHeaders) ?? {};
}
