import { randomUUID } from 'node:crypto';
import type { RealtimeConfig } from '../config/types.js';
import type { ConnectionEvent, DisconnectEvent, SubscriptionEvent } from '../core/index.js';
import type { Logger } from '../log.js';
import type { StatusTransition } from '../status/store.js';
import type { NewEvent, OnlineChanges, OutboxStore } from './outbox.js';

export type WebhookEventType = RealtimeConfig['webhooks']['events'][number];

/** Past this many events waiting for the database, new ones are dropped (and logged), not hoarded. */
const MAX_QUEUED = 100_000;
const BATCH = 500;
const RETRY_WRITE_MS = 1000;

/** An event as the observer hands it over: its id and body are made later, off the caller's path. */
interface Happened {
  type: WebhookEventType;
  orderKey: string;
  at: number;
  data: Record<string, unknown>;
}

/** The last word on each user in a batch: online since, or offline (null). */
function onlineChanges(events: Happened[]): OnlineChanges {
  const changes = new Map<string, number | null>();
  for (const { type, orderKey, at } of events) {
    if (type === 'user.online') changes.set(orderKey, at);
    else if (type === 'user.offline') changes.set(orderKey, null);
  }
  return changes;
}

/**
 * Turns lifecycle events into outbox rows. The node's observers call `record`, which only queues;
 * queued events are committed together on the next turn of the event loop (a group commit), and
 * only committed events are ever delivered. A SIGKILL can lose at most the events of that last
 * turn, which no receiver has seen either.
 */
export class WebhookRecorder {
  private queue: Happened[] = [];
  /** A batch whose commit failed: written again first, with the same ids. */
  private unwritten: { events: NewEvent[]; online: OnlineChanges } | undefined;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private dropped = 0;

  private readonly enabled: ReadonlySet<WebhookEventType>;
  private readonly node: string;
  private readonly retryPeriod: number;
  /** Keep the table of users online (a memory status store, which a crash empties). */
  private readonly keepOnline: boolean;

  constructor(
    private readonly store: OutboxStore,
    options: { enabled: ReadonlySet<WebhookEventType>; node: string; retryPeriod: number; keepOnline: boolean },
    private readonly log: Logger,
    private readonly committed: () => void,
  ) {
    ({ enabled: this.enabled, node: this.node, retryPeriod: this.retryPeriod, keepOnline: this.keepOnline } = options);
  }

  connected(event: ConnectionEvent): void {
    this.record('client.connect', event, {});
  }

  disconnected(event: DisconnectEvent): void {
    this.record('client.disconnect', event, { code: event.code, reason: event.reason });
  }

  subscribed(event: SubscriptionEvent): void {
    this.record('client.subscribe', event, { channel: event.channel });
  }

  unsubscribed(event: SubscriptionEvent): void {
    this.record('client.unsubscribe', event, { channel: event.channel });
  }

  transition(change: StatusTransition): void {
    const data = change.type === 'offline' ? { user: change.user, node: this.node, last_seen: new Date(change.last_seen).toISOString() } : { user: change.user, node: this.node };
    this.add(change.type === 'online' ? 'user.online' : 'user.offline', change.user, change.at, data);
  }

  /** Commits whatever is queued; resolves once it is in the outbox, or the write failed (and will be retried). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const taken = this.unwritten ? undefined : this.queue.splice(0, BATCH);
    const batch = this.unwritten ?? { events: taken!.filter((e) => this.enabled.has(e.type)).map((e) => this.row(e)), online: this.keepOnline ? onlineChanges(taken!) : new Map() };
    this.unwritten = undefined;
    if (batch.events.length === 0 && batch.online.size === 0) return;
    let written = false;
    this.flushing = this.store.add(batch.events, batch.online).then(
      () => {
        written = true;
        this.committed();
      },
      (error: unknown) => {
        // Nothing is acknowledged until it is committed: the batch goes first next time.
        this.unwritten = batch;
        this.log.error({ event: 'webhook_outbox_write_failed', queued: this.queue.length + batch.events.length, err: (error as Error).message }, 'webhooks: cannot write the outbox; retrying');
        setTimeout(() => this.schedule(), RETRY_WRITE_MS).unref();
      },
    );
    await this.flushing;
    this.flushing = undefined;
    if (written && this.queue.length > 0) await this.flush();
  }

  private row({ type, orderKey, at, data }: Happened): NewEvent {
    return {
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      type,
      order_key: orderKey,
      body: JSON.stringify({ type, timestamp: new Date(at).toISOString(), data }),
      created_at: at,
      give_up_at: at + this.retryPeriod,
    };
  }

  private record(type: WebhookEventType, event: ConnectionEvent, extra: Record<string, unknown>): void {
    this.add(type, event.user || `client:${event.client}`, event.at, { user: event.user, client: event.client, transport: event.transport, node: this.node, ...extra });
  }

  private add(type: WebhookEventType, orderKey: string, at: number, data: Record<string, unknown>): void {
    // Status transitions are kept even when not sent: they maintain the table of users online.
    if (!this.enabled.has(type) && !(this.keepOnline && (type === 'user.online' || type === 'user.offline'))) return;
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log.error({ event: 'webhook_dropped', type, dropped: this.dropped }, 'webhooks: outbox writes are behind; event dropped');
      return;
    }
    this.queue.push({ type, orderKey, at, data });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }
}
