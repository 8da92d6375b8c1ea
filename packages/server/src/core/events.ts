import type { TransportName } from './transport.js';

/** A refused handshake or connect, or a closed connection, as the core reports it to the edges. */
export interface RejectionEvent {
  /** `handshake`: refused before a session existed; `connect`: token refused; `disconnect`: closed. */
  kind: 'handshake' | 'connect' | 'disconnect';
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

export interface NodeObserver {
  rejected?(event: RejectionEvent): void;
}

/**
 * How the edges (the admin views, later webhooks) learn what happens in the core without the core
 * knowing them: they register an observer; the core calls every one. An observer that throws is
 * the observer's bug and must not break a session, so errors stop here.
 */
export class NodeEvents {
  private readonly observers = new Set<NodeObserver>();

  observe(observer: NodeObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  rejected(event: RejectionEvent): void {
    const clean = Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined && value !== '')) as RejectionEvent;
    for (const observer of this.observers) {
      try {
        observer.rejected?.(clean);
      } catch {
        // See the class comment.
      }
    }
  }
}
