/**
 * The shapes `/admin/api/*` answers with. Types only, so the dashboard (apps/dashboard) imports
 * them and the page and the server cannot drift apart.
 */
import type { RejectionEvent } from '../core/events.js';

/** One refused handshake, refused connect or closed connection, as the rejections view lists it. */
export interface Rejection extends RejectionEvent {
  /** ms since epoch */
  at: number;
}

/** One point of the overview chart. */
export interface StatsSample {
  /** ms since epoch, end of the interval */
  t: number;
  /** Client commands and server API calls received per second (`realtime_commands_total` + `realtime_api_requests_total`). */
  in: number;
  /** Pushes sent to clients per second (`realtime_pushes_total`, one per receiving socket). */
  out: number;
  connections: number;
}

export interface NodeSummary {
  uid: string;
  name: string;
  version: string;
  uptimeSeconds: number;
  connections: number;
  users: number;
  channels: number;
  subscriptions: number;
}

export interface ConnectionSummary {
  node: string;
  client: string;
  user: string;
  /** websocket, http_stream, sse or a unidirectional one. */
  transport: string;
  origin?: string;
  userAgent?: string;
  remoteAddress?: string;
  /** ms since epoch */
  connectedAt: number;
  subscriptions: string[];
  bytesIn: number;
  bytesOut: number;
}

/** Clients that fell back from one transport to another, as they reported it. */
export interface FallbackSummary {
  from: string;
  to: string;
  /** timeout, transport_closed or error */
  reason: string;
  count: number;
  /** ms since epoch of the latest report */
  lastAt: number;
  /** How long the latest client tried before it fell back, ms. */
  lastElapsedMs: number;
}

/** Every field is a case-insensitive substring; absent fields match everything. */
export interface ConnectionFilter {
  user?: string;
  channel?: string;
  origin?: string;
  client?: string;
}

export interface ChannelDetails {
  name: string;
  subscribers: Array<{ client: string; user: string; node: string }>;
  /** null when the channel keeps no history */
  history: { size: number; limit: number; offset: number; epoch: string } | null;
  /** null when presence is off for the channel */
  presence: Array<{ user: string; client: string; conn_info?: unknown; chan_info?: unknown }> | null;
}

export interface ChannelSummary {
  name: string;
  subscribers: number;
}

export interface OverviewResponse {
  nodes: NodeSummary[];
  totals: { nodes: number; connections: number; users: number; channels: number; subscriptions: number };
  samples: StatsSample[];
}

export interface FeaturesResponse {
  notify: boolean;
  broadcastChannel: string;
  environment: string;
}

export interface AdminErrorBody {
  error: { code: number; message: string };
}
