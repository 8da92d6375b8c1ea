import type { TransportName } from './transport.js';

/** A refused handshake or connect, or a closed connection, as the core reports it to the edges. */
export interface RejectionEvent {
  /** `handshake`: refused before a session existed; `connect`: token refused; `disconnect`: closed; `proxy`: the back end did not answer. */
  kind: 'handshake' | 'connect' | 'disconnect' | 'proxy';
  /** Stable reason: `origin_not_allowed`, `token_expired`, `bad_signature`, or the close reason. */
  reason: string;
  /** Close code or HTTP status. */
  code?: number;
  origin?: string;
  user?: string;
  client?: string;
  remoteAddress?: string;
  detail?: string;
  transport?: TransportName;
}

/** Why a client left one transport for the next, as the client reported it. */
export type FallbackReason = 'timeout' | 'transport_closed' | 'error';

/** A client that connected over a fallback transport, and why the one before failed. */
export interface FallbackEvent {
  from: TransportName;
  to: TransportName;
  reason: FallbackReason;
  /** The close code the failed transport ended with, when it had one. */
  code?: number;
  /** From the start of the connect to the fallback, ms. */
  elapsedMs: number;
  origin?: string;
  remoteAddress?: string;
}

/** A connection's life as the edges see it (webhooks, user status): who, over what, and when. */
export interface ConnectionEvent {
  client: string;
  user: string;
  transport: TransportName;
  /** ms since epoch */
  at: number;
}

export interface DisconnectEvent extends ConnectionEvent {
  code: number;
  reason: string;
}

export interface SubscriptionEvent extends ConnectionEvent {
  channel: string;
}

export interface NodeObserver {
  rejected?(event: RejectionEvent): void;
  fellBack?(event: FallbackEvent): void;
  /** A session finished its connect: it is authenticated and counted. */
  connected?(event: ConnectionEvent): void;
  /** A connected session closed, whoever closed it. */
  disconnected?(event: DisconnectEvent): void;
  /** A subscription is established (the reply is out), client-side or server-side. */
  subscribed?(event: SubscriptionEvent): void;
  /** A subscription ended: unsubscribe, server unsubscribe, expiry, or the connection closing. */
  unsubscribed?(event: SubscriptionEvent): void;
}

/**
 * How the edges (the admin views, later webhooks) learn what happens in the core without the core
 * knowing them: they register an observer; the core calls every one. An observer that throws is
 * the observer's bug and must not break a session, so errors stop here.
 */
function withoutEmpty<T extends object>(event: T): T {
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined && value !== '')) as T;
}

export class NodeEvents {
  private readonly observers = new Set<NodeObserver>();

  observe(observer: NodeObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  rejected(event: RejectionEvent): void {
    this.emit((observer) => observer.rejected?.(withoutEmpty(event)));
  }

  fellBack(event: FallbackEvent): void {
    this.emit((observer) => observer.fellBack?.(withoutEmpty(event)));
  }

  connected(event: ConnectionEvent): void {
    this.emit((observer) => observer.connected?.(event));
  }

  disconnected(event: DisconnectEvent): void {
    this.emit((observer) => observer.disconnected?.(event));
  }

  subscribed(event: SubscriptionEvent): void {
    this.emit((observer) => observer.subscribed?.(event));
  }

  unsubscribed(event: SubscriptionEvent): void {
    this.emit((observer) => observer.unsubscribed?.(event));
  }

  private emit(call: (observer: NodeObserver) => void): void {
    for (const observer of this.observers) {
      try {
        call(observer);
      } catch {
        // See the class comment.
      }
    }
  }
}
