import type { RealtimeNode } from '../node.js';
import type { OriginPolicy } from '../policy/origin.js';

/** The subprotocol the SDK's "custom WebSocket" recipe offers; `ws` aborts if it is not echoed. */
export const JSON_SUBPROTOCOL = 'centrifuge-json';

export interface UpgradeRefusal {
  status: number;
  statusText: string;
  body: string;
}

/**
 * Decides whether a WebSocket upgrade may proceed, for every runtime adapter alike. The origin
 * policy runs here because browsers do not apply CORS to WebSockets, so this is the only check.
 * A refusal is counted and logged; the adapter answers it as plain HTTP before any WebSocket exists.
 */
export function checkUpgrade(node: RealtimeNode, policy: OriginPolicy, path: string, origin: string | undefined): UpgradeRefusal | undefined {
  const { config, log, metrics } = node;
  const refuse = (reason: string, refusal: UpgradeRefusal, fields: { origin?: string; path?: string }): UpgradeRefusal => {
    metrics.handshakeRejections.inc({ reason });
    node.rejections.record({ kind: 'handshake', reason, code: refusal.status, origin: fields.origin, detail: refusal.body });
    log.warn({ event: 'handshake_rejected', reason, profile: config.environment, ...fields }, refusal.body);
    return refusal;
  };
  if (path !== config.websocket.handler_prefix) {
    const body = `no WebSocket endpoint at ${path}; it is ${config.websocket.handler_prefix}`;
    return refuse('wrong_path', { status: 404, statusText: 'Not Found', body }, { path, origin });
  }
  if (node.isDraining) {
    const body = 'server is shutting down; reconnect to another node';
    return refuse('draining', { status: 503, statusText: 'Service Unavailable', body }, { origin });
  }
  const decision = policy.check(origin);
  if (!decision.allowed) return refuse('origin_not_allowed', { status: 403, statusText: 'Forbidden', body: decision.reason }, { origin });
  return undefined;
}
