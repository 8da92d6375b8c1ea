import type { RealtimeConfig } from '../config/types.js';
import type { ConnectionEvent, DisconnectEvent, SubscriptionEvent } from '../core/index.js';
import { uuidv7Generator } from '../inbox/service.js';
import type { Logger } from '../log.js';
import type { StatusTransition } from '../status/store.js';
import type { NewEvent, OutboxStore } from './outbox.js';

export type WebhookEventType = RealtimeConfig['webhooks']['events'][number];

/** Past this many events waiting for the database, new ones are dropped (and logged), not hoarded. */
const MAX_QUEUED = 100_000;
const BATCH = 500;
const RETRY_WRITE_MS = 1000;

/**
 * Turns lifecycle events into outbox rows. The node's observers call `record`, which only queues;
 * queued events are committed together on the next turn of the event loop (a group commit), and
 * only committed events are ever delivered. A SIGKILL can lose at most the events of that last
 * turn, which no receiver has seen either.
 */
export class WebhookRecorder {
  private queue: NewEvent[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private dropped = 0;
  private readonly nextId = uuidv7Generator();

  constructor(
    private readonly store: OutboxStore,
    private readonly enabled: ReadonlySet<WebhookEventType>,
    private readonly node: string,
    private readonly retryPeriod: number,
    private readonly log: Logger,
    private readonly committed: () => void,
  ) {}

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

  /** Commits whatever is queued; resolves once it is in the outbox (or the write failed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, BATCH);
    this.flushing = this.store.add(batch).then(
      () => {
        this.committed();
      },
      (error: unknown) => {
        // Back to the front, in order: nothing is acknowledged until it is committed.
        this.queue.unshift(...batch);
        this.log.error({ event: 'webhook_outbox_write_failed', queued: this.queue.length, err: (error as Error).message }, 'webhooks: cannot write the outbox; retrying');
        throw error;
      },
    );
    try {
      await this.flushing;
    } catch {
      setTimeout(() => this.schedule(), RETRY_WRITE_MS).unref();
      return;
    } finally {
      this.flushing = undefined;
    }
    if (this.queue.length > 0) await this.flush();
  }

  get queued(): number {
    return this.queue.length;
  }

  private record(type: WebhookEventType, event: ConnectionEvent, extra: Record<string, unknown>): void {
    this.add(type, event.user || `client:${event.client}`, event.at, { user: event.user, client: event.client, transport: event.transport, node: this.node, ...extra });
  }

  private add(type: WebhookEventType, orderKey: string, at: number, data: Record<string, unknown>): void {
    if (!this.enabled.has(type)) return;
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log.error({ event: 'webhook_dropped', type, dropped: this.dropped }, 'webhooks: outbox writes are behind; event dropped');
      return;
    }
    const id = `msg_${this.nextId(at).replaceAll('-', '')}`;
    const body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
    this.queue.push({ id, type, order_key: orderKey, body, created_at: at, give_up_at: at + this.retryPeriod });
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
