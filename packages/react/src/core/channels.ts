import type { Centrifuge, JoinContext, LeaveContext, PublicationContext, StreamPosition, SubscribedContext, Subscription } from 'centrifuge';
import { SnapshotStore } from './snapshot.js';

export type SubscriptionStatus = 'unsubscribed' | 'subscribing' | 'subscribed';

export interface SubscriptionSnapshot {
  status: SubscriptionStatus;
  /**
   * After a (re)subscribe: whether every publication missed meanwhile was delivered. `false` on a
   * first subscribe and after an unrecoverable gap (history lost, new epoch): reload state then.
   * `null` before the first subscribe.
   */
  recovered: boolean | null;
  /** Counts successful subscribes (1 = first, 2+ = after reconnects); changes on every one. */
  generation: number;
  streamPosition: StreamPosition | null;
  error: { code: number; message: string } | null;
}

export interface ChannelOptions {
  /** Ask the server to resend what was missed across reconnects (needs history on the channel). */
  recover?: boolean;
  /** Ask for join/leave pushes (presence). */
  joinLeave?: boolean;
}

export interface ChannelListener {
  onPublication?: (ctx: PublicationContext) => void;
  onSubscribed?: (ctx: SubscribedContext) => void;
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
}

const initial: SubscriptionSnapshot = { status: 'unsubscribed', recovered: null, generation: 0, streamPosition: null, error: null };

/** One SDK subscription shared by every component that uses the channel. */
export class ChannelEntry {
  readonly snapshot = new SnapshotStore<SubscriptionSnapshot>(initial);
  readonly listeners = new Set<ChannelListener>();
  refs = 0;

  constructor(readonly subscription: Subscription) {
    const sub = subscription;
    sub.on('subscribing', () => this.snapshot.update({ status: 'subscribing' }));
    sub.on('subscribed', (ctx) => {
      this.snapshot.update({ status: 'subscribed', recovered: ctx.recovered, generation: this.snapshot.get().generation + 1, streamPosition: ctx.streamPosition ?? null, error: null });
      for (const listener of this.listeners) listener.onSubscribed?.(ctx);
    });
    sub.on('unsubscribed', (ctx) => this.snapshot.update({ status: 'unsubscribed', error: ctx.code >= 100 ? { code: ctx.code, message: ctx.reason } : null }));
    sub.on('error', (ctx) => this.snapshot.update({ error: { code: ctx.error.code, message: ctx.error.message } }));
    sub.on('publication', (ctx) => {
      for (const listener of this.listeners) listener.onPublication?.(ctx);
    });
    sub.on('join', (ctx) => {
      for (const listener of this.listeners) listener.onJoin?.(ctx);
    });
    sub.on('leave', (ctx) => {
      for (const listener of this.listeners) listener.onLeave?.(ctx);
    });
  }
}

/**
 * Reference-counted subscriptions: the first user of a channel subscribes, the last one to leave
 * unsubscribes (one task later, so a StrictMode remount or a route change keeps the subscription
 * and its stream position). The options of the first user win.
 */
export class ChannelRegistry {
  private readonly entries = new Map<string, ChannelEntry>();

  constructor(private readonly client: () => Centrifuge) {}

  acquire(channel: string, options: ChannelOptions = {}): ChannelEntry {
    let entry = this.entries.get(channel);
    if (!entry) {
      const client = this.client();
      const subscription =
        client.getSubscription(channel) ??
        client.newSubscription(channel, { recoverable: options.recover ?? false, joinLeave: options.joinLeave ?? false });
      entry = new ChannelEntry(subscription);
      this.entries.set(channel, entry);
      subscription.subscribe();
    }
    entry.refs += 1;
    return entry;
  }

  release(channel: string): void {
    const entry = this.entries.get(channel);
    if (!entry) return;
    entry.refs -= 1;
    setTimeout(() => {
      if (entry.refs > 0 || this.entries.get(channel) !== entry) return;
      this.entries.delete(channel);
      entry.subscription.unsubscribe();
      entry.subscription.removeAllListeners();
      this.client().removeSubscription(entry.subscription);
    }, 0);
  }

  /** The entry while someone holds it (for tests and devtools). */
  peek(channel: string): ChannelEntry | undefined {
    return this.entries.get(channel);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every entry: the client they belonged to is gone. */
  clear(): void {
    this.entries.clear();
  }
}
