import type { ClientInfo, Publication, StreamPosition } from '@renum-realtime/protocol';

/** How a channel's stream is kept (from its namespace options). */
export interface HistoryOptions {
  /** Publications kept; 0 = no history. */
  size: number;
  /** ms of inactivity after which the publications are dropped. */
  ttl: number;
  /** ms of inactivity after which offset and epoch are forgotten too (new epoch). */
  metaTtl: number;
}

export interface HistoryQuery {
  /** Publications after this position; absent = from the oldest kept. */
  since?: StreamPosition;
  /** 0 = position only; -1 or absent = all (callers cap it). */
  limit: number;
  reverse?: boolean;
}

export interface HistoryPage {
  publications: Publication[];
  position: StreamPosition;
  /**
   * The query's `since` is of the epoch before a Redis failover, at or below what the promoted
   * replica had: the new epoch continues it, so recovery from it may succeed.
   */
  continuesSince?: boolean;
}

/**
 * A publish that retries must not repeat (Centrifugo's `idempotency_key`): within `resultTtl` of
 * the first publish with this key on the channel, the same key returns that publish's result and
 * publishes nothing. A publish that timed out may have been applied after all: its retry with the
 * key finds it.
 */
export interface Idempotency {
  key: string;
  /** ms the result is kept. */
  resultTtl: number;
}

/** Events the broker delivers to the node, from this node or any other. */
export interface BrokerEventHandler {
  onPublication(channel: string, publication: Publication, position?: StreamPosition): void;
  onJoin(channel: string, info: ClientInfo): void;
  onLeave(channel: string, info: ClientInfo): void;
  /**
   * Publications of the channel may have been missed here (the link between nodes was down):
   * its local subscribers must resubscribe and recover from history.
   */
  onInsufficientState(channel: string): void;
}

/**
 * Moves publications between nodes and keeps channel streams. The memory broker serves one node;
 * a Redis broker serves many. Nothing above this interface knows which one runs.
 */
export interface Broker {
  start(handler: BrokerEventHandler): Promise<void>;
  /**
   * Appends to the stream (when history is on) and delivers to every node's subscribers. With
   * `idempotency`, a key already used on the channel within its window returns the first result
   * (undefined for a channel without history) and publishes nothing.
   */
  publish(channel: string, publication: Publication, history: HistoryOptions, idempotency?: Idempotency): Promise<StreamPosition | undefined>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** This node has local subscribers for the channel from now on. */
  subscribe(channel: string): Promise<void>;
  /** This node has no local subscribers for the channel any more. */
  unsubscribe(channel: string): Promise<void>;
  history(channel: string, query: HistoryQuery, history: HistoryOptions): Promise<HistoryPage>;
  removeHistory(channel: string): Promise<void>;
  close(): Promise<void>;
  /** Whether the broker can serve now; absent means always (an in-process broker). */
  available?(): boolean;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/** Who is subscribed to a channel, across all nodes. */
export interface PresenceStore {
  add(channel: string, info: ClientInfo): Promise<void>;
  remove(channel: string, clientId: string): Promise<void>;
  get(channel: string): Promise<Record<string, ClientInfo>>;
  stats(channel: string): Promise<PresenceStats>;
}

/** Thrown when an epoch in a query no longer matches the stream (error 112). */
export class UnrecoverablePositionError extends Error {
  readonly code = 'UNRECOVERABLE_POSITION';
  constructor(channel: string) {
    super(`stream position of ${channel} is gone (epoch changed)`);
  }
}

/** The shared engine (Redis) cannot be reached right now; the caller may retry later. */
export class BrokerUnavailableError extends Error {
  readonly code = 'BROKER_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`broker unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
