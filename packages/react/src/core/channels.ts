import { UnauthorizedError, unsubscribedCodes, type Centrifuge, type JoinContext, type LeaveContext, type PublicationContext, type StreamPosition, type SubscribedContext, type Subscription } from 'centrifuge';
import { warnOnce } from './dev.js';
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

/** A publication whose `data` has the channel's type (see `createRealtime`). */
export type Publication<T = unknown> = Omit<PublicationContext, 'data'> & { data: T };

/** Returns a subscription token for `channel`, or `null` when the app refuses one: the channel is then unsubscribed for good. */
export type GetSubscriptionToken = (channel: string) => Promise<string | null>;

export interface ChannelOptions {
  /** Ask the server to resend what was missed across reconnects (needs history on the channel). */
  recover?: boolean;
  /** Ask for join/leave pushes (presence). */
  joinLeave?: boolean;
  /** Delta-compressed publications (`fossil`), where the server allows them. */
  delta?: 'fossil';
  /** Subscription tokens, for private `$` channels; called on subscribe and when the token expires. */
  getToken?: GetSubscriptionToken;
  /** Start from this stream position (e.g. the one a Server Component rendered), so nothing in between is lost or repeated. */
  since?: StreamPosition;
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

  constructor(
    readonly subscription: Subscription,
    /** The options the subscription was made with: those of the first component. */
    readonly options: ChannelOptions,
  ) {
    const sub = subscription;
    sub.on('subscribing', () => this.snapshot.update({ status: 'subscribing' }));
    sub.on('subscribed', (ctx) => {
      this.snapshot.update({ status: 'subscribed', recovered: ctx.recovered, generation: this.snapshot.get().generation + 1, streamPosition: ctx.streamPosition ?? null, error: null });
      for (const listener of this.listeners) listener.onSubscribed?.(ctx);
    });
    // Server codes (>= 100) and a refused subscription token (the SDK's local `unauthorized`) are errors; an unsubscribe call is not.
    const failed = (code: number) => code >= 100 || code === unsubscribedCodes.unauthorized;
    sub.on('unsubscribed', (ctx) => this.snapshot.update({ status: 'unsubscribed', error: failed(ctx.code) ? { code: ctx.code, message: ctx.reason } : null }));
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

/** Subscribes of one channel within this window count as churn. */
const CHURN_WINDOW_MS = 1000;
const CHURN_LIMIT = 10;

/** The options a later component asked for that differ from those the subscription has. */
function disagreement(owner: ChannelOptions, asked: ChannelOptions): string[] {
  const keys = ['recover', 'joinLeave', 'delta'] as const;
  const differing: string[] = keys.filter((key) => asked[key] !== undefined && asked[key] !== owner[key]);
  if (asked.getToken && !owner.getToken) differing.push('getToken');
  if (asked.since && (asked.since.offset !== owner.since?.offset || asked.since.epoch !== owner.since?.epoch)) differing.push('since');
  return differing;
}

/**
 * Reference-counted subscriptions: the first user of a channel subscribes, the last one to leave
 * unsubscribes (one task later, so a StrictMode remount or a route change keeps the subscription
 * and its stream position). The first user owns the channel's options; a later one that asks for
 * others gets a development warning, since one subscription cannot have two sets.
 */
export class ChannelRegistry {
  private readonly entries = new Map<string, ChannelEntry>();
  private readonly subscribeTimes = new Map<string, number[]>();

  constructor(
    private readonly client: () => Centrifuge,
    /** Runs on every acquire: lets the client reconnect after an idle close once the app subscribes again. */
    private readonly onAcquire: () => void = () => undefined,
  ) {}

  acquire(channel: string, options: ChannelOptions = {}): ChannelEntry {
    let entry = this.entries.get(channel);
    if (!entry) {
      const client = this.client();
      this.noteSubscribe(channel);
      const subscription = client.getSubscription(channel) ?? client.newSubscription(channel, subscriptionOptions(options));
      entry = new ChannelEntry(subscription, options);
      this.entries.set(channel, entry);
      subscription.subscribe();
    } else {
      const differing = disagreement(entry.options, options);
      if (differing.length > 0) {
        warnOnce(
          `options:${channel}:${differing.join(',')}`,
          `components disagree on the options of "${channel}" (${differing.join(', ')}); the first component's options apply. ` +
            'Pass the same options everywhere, or set them in one component that owns the channel.',
        );
      }
    }
    entry.refs += 1;
    this.onAcquire();
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

  /** Many real subscribes of one channel per second is a component that remounts or changes its channel on every render. */
  private noteSubscribe(channel: string): void {
    const now = Date.now();
    const times = (this.subscribeTimes.get(channel) ?? []).filter((at) => now - at < CHURN_WINDOW_MS);
    times.push(now);
    this.subscribeTimes.set(channel, times);
    if (times.length > CHURN_LIMIT) {
      warnOnce(
        `churn:${channel}`,
        `"${channel}" was subscribed ${times.length} times within a second. A component probably remounts, or passes a new channel name, on every render; ` +
          'keep the channel stable (useMemo) or move the hook up the tree.',
      );
    }
  }
}

function subscriptionOptions(options: ChannelOptions): Parameters<Centrifuge['newSubscription']>[1] {
  const { getToken } = options;
  return {
    recoverable: options.recover ?? options.since !== undefined,
    joinLeave: options.joinLeave ?? false,
    ...(options.delta ? { delta: options.delta } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(getToken
      ? {
          getToken: async ({ channel }: { channel: string }) => {
            const token = await getToken(channel);
            if (token === null) throw new UnauthorizedError('subscription token refused');
            return token;
          },
        }
      : {}),
  };
}
