import type { Logger } from '../log.js';
import type { OutboxEvent, OutboxStore } from './outbox.js';
import { webhookHeaders } from './signature.js';

export interface DeliveryOptions {
  url: string;
  key: Buffer;
  /** ms per request */
  timeout: number;
  /** ms before the first retry; doubles each attempt */
  initialInterval: number;
  /** ms cap on the delay between attempts */
  maxInterval: number;
  /** requests in flight at once, each for a different user */
  concurrency: number;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

/** Exponential backoff with equal jitter: half the delay fixed, half random, so retries spread out. */
export function retryDelay(attempts: number, initial: number, max: number, random = Math.random): number {
  const delay = Math.min(max, initial * 2 ** Math.min(attempts - 1, 30));
  return delay / 2 + random() * (delay / 2);
}

/**
 * Takes due events from the outbox and POSTs them, signed. Runs beside the gateway, never in its
 * way: the node's observers only append to the outbox, and a slow receiver holds up nothing but its
 * own deliveries. One request per user at a time keeps each user's events in order.
 */
export class Deliverer {
  private readonly busy = new Set<string>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly options: DeliveryOptions,
    private readonly log: Logger,
    private readonly counted: (outcome: DeliveryOutcome) => void,
  ) {}

  /** Polls for due retries (and other nodes' events in a shared outbox) every `pollMs`. */
  start(pollMs: number): void {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort.abort();
    const deadline = Date.now() + 1000;
    while ((this.busy.size > 0 || this.ticking) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** New events are committed, or a delivery finished: look for work now. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick().finally(() => {
      this.ticking = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async tick(): Promise<void> {
    const free = this.options.concurrency - this.busy.size;
    if (free <= 0) return;
    const now = Date.now();
    let due: OutboxEvent[];
    try {
      due = await this.store.due(now, free + this.busy.size);
    } catch (error) {
      this.log.error({ event: 'webhook_outbox_read_failed', err: (error as Error).message }, 'webhooks: cannot read the outbox; retrying');
      return;
    }
    for (const event of due) {
      if (this.busy.size >= this.options.concurrency || this.stopped) break;
      if (this.busy.has(event.order_key)) continue;
      const lease = now + this.options.timeout + 5_000;
      if (!(await this.store.lease(event.seq, now, lease).catch(() => false))) continue;
      this.busy.add(event.order_key);
      void this.deliver(event).finally(() => {
        this.busy.delete(event.order_key);
        this.wake();
      });
    }
  }

  private async deliver(event: OutboxEvent): Promise<void> {
    const error = await this.send(event);
    try {
      if (error === undefined) {
        await this.store.delivered(event.seq);
        this.counted('delivered');
        return;
      }
      if (this.stopped) return; // the lease runs out; the next start tries again
      const attempts = event.attempts + 1;
      const now = Date.now();
      const dead = now >= event.give_up_at;
      const next = Math.min(now + Math.round(retryDelay(attempts, this.options.initialInterval, this.options.maxInterval)), event.give_up_at);
      await this.store.failed(event.seq, { attempts, next_attempt_at: next, last_error: error, dead_at: dead ? now : null });
      this.counted(dead ? 'dead' : 'failed');
      const fields = { event: dead ? 'webhook_dead_letter' : 'webhook_delivery_failed', id: event.id, type: event.type, attempts, reason: error };
      if (dead) this.log.error(fields, 'webhooks: retry period over; event moved to the dead-letter list');
      else this.log.warn({ ...fields, retry_in_ms: Math.round(next - now) }, 'webhooks: delivery failed; will retry');
    } catch (storeError) {
      this.log.error({ event: 'webhook_outbox_write_failed', id: event.id, err: (storeError as Error).message }, 'webhooks: cannot record a delivery; it will be retried');
    }
  }

  /** undefined when the receiver took the event (2xx), else why not. */
  private async send(event: OutboxEvent): Promise<string | undefined> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: webhookHeaders(this.options.key, event.id, timestamp, event.body),
        body: event.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeout)]),
        redirect: 'manual',
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError') return `timeout after ${this.options.timeout} ms`;
      return err.cause?.code ?? err.message;
    }
  }
}
