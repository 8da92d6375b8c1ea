import type { RealtimeNode, TransportName } from '../core/index.js';
import { corsHeaders, type OriginPolicy } from '../policy/origin.js';

export interface Refusal {
  status: number;
  statusText: string;
  body: string;
  /** Stable reason, for the metric, the log line and the admin rejections view. */
  reason: string;
}

/** What every transport checks before a session exists, on every runtime alike. */
export interface Admission {
  node: RealtimeNode;
  policy: OriginPolicy;
}

/**
 * Counts, logs and reports a refusal before any session exists; the adapter answers it as plain
 * HTTP (a WebSocket upgrade included: the browser then sees the handshake fail).
 */
export function refuse({ node }: Admission, refusal: Refusal, fields: { origin?: string; path?: string; transport?: TransportName }): Refusal {
  node.metrics.handshakeRejections.inc({ reason: refusal.reason });
  node.events.rejected({ kind: 'handshake', reason: refusal.reason, code: refusal.status, origin: fields.origin, detail: refusal.body, transport: fields.transport });
  node.log.warn({ event: 'handshake_rejected', reason: refusal.reason, profile: node.config.environment, ...fields }, refusal.body);
  return refusal;
}

/**
 * Whether a new connection may open. The origin policy runs here for every transport because
 * browsers do not apply CORS to WebSockets or EventSource GETs, so this is the only check.
 */
export function admit(admission: Admission, transport: TransportName, origin: string | undefined): Refusal | undefined {
  if (admission.node.isDraining) {
    return refuse(admission, { status: 503, statusText: 'Service Unavailable', body: 'server is shutting down; reconnect to another node', reason: 'draining' }, { origin, transport });
  }
  const decision = admission.policy.check(origin);
  if (!decision.allowed) return refuse(admission, { status: 403, statusText: 'Forbidden', body: decision.reason, reason: 'origin_not_allowed' }, { origin, transport });
  return undefined;
}

/**
 * CORS for the HTTP transports, from the same allowlist as the upgrade: credentials only for an
 * allowed origin, never `*`. A request without Origin (not a browser) needs none.
 */
export function transportCors(policy: OriginPolicy, origin: string | undefined, requestHeaders?: string | readonly string[]): Record<string, string> {
  return corsHeaders(policy, origin, requestHeaders) ?? {};
}
