import type { JsonValue } from '@renum-realtime/protocol';
import type { ChannelSpec } from '../channels/namespace.js';

export interface SessionSubscription {
  spec: ChannelSpec;
  /** From the connection token's `channels`/`subs` or the server API, not a client subscribe. */
  serverSide: boolean;
  /** ms since epoch; undefined = the subscription token never expires. */
  expiresAt?: number;
  chanInfo?: JsonValue;
  /** Set once this session is counted in presence and announced with a join. */
  announced: boolean;
  /** The subscribe proxy granted it with an expiry: the sub_refresh proxy prolongs it, not the client. */
  refreshedByProxy?: boolean;
}

/**
 * A session's subscriptions by channel, with the Map operations the session uses. Most sessions
 * hold one subscription: it is kept in two fields, and a Map (~150 bytes even when nearly empty)
 * is made only for a second one.
 */
export class SessionSubscriptions {
  private onlyChannel: string | undefined;
  private only: SessionSubscription | undefined;
  private many: Map<string, SessionSubscription> | undefined;

  get size(): number {
    if (this.many) return this.many.size;
    return this.only ? 1 : 0;
  }

  get(channel: string): SessionSubscription | undefined {
    if (this.many) return this.many.get(channel);
    return channel === this.onlyChannel ? this.only : undefined;
  }

  has(channel: string): boolean {
    return this.get(channel) !== undefined;
  }

  set(channel: string, subscription: SessionSubscription): void {
    if (this.many) {
      this.many.set(channel, subscription);
    } else if (!this.only || channel === this.onlyChannel) {
      this.onlyChannel = channel;
      this.only = subscription;
    } else {
      this.many = new Map([[this.onlyChannel!, this.only], [channel, subscription]]);
      this.onlyChannel = this.only = undefined;
    }
  }

  delete(channel: string): boolean {
    if (this.many) return this.many.delete(channel);
    if (!this.only || channel !== this.onlyChannel) return false;
    this.onlyChannel = this.only = undefined;
    return true;
  }

  keys(): IterableIterator<string> {
    if (this.many) return this.many.keys();
    return (this.only ? [this.onlyChannel!] : []).values();
  }

  [Symbol.iterator](): IterableIterator<[string, SessionSubscription]> {
    if (this.many) return this.many.entries();
    return (this.only ? [[this.onlyChannel!, this.only] as [string, SessionSubscription]] : []).values();
  }
}
