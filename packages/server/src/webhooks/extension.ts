import { ApiErrorCodes } from '@renum-realtime/protocol';
import { Counter, Gauge } from 'prom-client';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import type { ExtensionApiMethod, GatewayExtension } from '../extension.js';
import { isoTime, parseBody } from '../status/api-input.js';
import { databaseUnready, isDatabaseUnreachable, openSqlDatabase, type SqlDatabase } from '../inbox/dialects.js';
import type { Logger } from '../log.js';
import type { UserStatusExtension } from '../status/extension.js';
import { Deliverer, type DeliveryOutcome } from './delivery.js';
import { migrateOutbox } from './migrations.js';
import { OutboxStore, type OutboxEvent, type OutboxTables } from './outbox.js';
import { WebhookRecorder, type WebhookEventType } from './recorder.js';
import { secretKey } from './signature.js';
import type { DeadLetter, DeadLetterPage, WebhookStats } from './types.js';

export interface WebhookOptions {
  url: string;
  /** `whsec_` + base64 key (Standard Webhooks). */
  secret: string;
  /** Types to send; all six by default. */
  events?: readonly WebhookEventType[];
  /** `postgres://…` or `sqlite:<path>`; unset: `<dataDir>/webhooks.sqlite`. */
  databaseUrl?: string;
  /** The gateway's `data_dir` when unset. */
  dataDir?: string;
  /** ms per delivery attempt; 5 s */
  timeout?: number;
  /** ms an event is retried before it is dead-lettered; 24 h */
  retryPeriod?: number;
  /** ms before the first retry, doubling; 1 s */
  retryInitialInterval?: number;
  /** ms cap between attempts; 10 min */
  retryMaxInterval?: number;
  /** deliveries in flight, one per user; 8 */
  concurrency?: number;
  /** Where `user.online` / `user.offline` come from; without it those are not sent. */
  status?: UserStatusExtension;
}

export const WEBHOOK_DEFAULTS = {
  events: ['client.connect', 'client.disconnect', 'client.subscribe', 'client.unsubscribe', 'user.online', 'user.offline'],
  timeout: 5_000,
  retryPeriod: 24 * 3600_000,
  retryInitialInterval: 1_000,
  retryMaxInterval: 600_000,
  concurrency: 8,
} as const satisfies Omit<Required<WebhookOptions>, 'url' | 'secret' | 'databaseUrl' | 'dataDir' | 'status'>;

const DEFAULT_PAGE = 50;
const deadLettersRequest = z.strictObject({ limit: z.number().int().min(1).max(500).default(DEFAULT_PAGE), cursor: z.string().regex(/^\d+$/, 'not a cursor from this method').optional() });
const retryRequest = z
  .strictObject({ ids: z.array(z.string().min(1)).min(1).max(500).optional(), all: z.literal(true).optional() })
  .refine((body) => (body.ids === undefined) !== (body.all === undefined), 'give either ids or all: true');

function deadLetter(event: OutboxEvent): DeadLetter {
  const payload = JSON.parse(event.body) as { data?: { user?: string } };
  return {
    id: event.id,
    type: event.type,
    user: payload.data?.user ?? '',
    created_at: isoTime(event.created_at)!,
    dead_at: isoTime(event.dead_at)!,
    attempts: event.attempts,
    last_error: event.last_error,
    payload,
  };
}

/**
 * Lifecycle webhooks as a gateway extension: connects, disconnects, subscriptions and users going
 * online/offline, recorded in a durable outbox (the inbox's SQL store) and delivered signed, with
 * retries, to one receiver. API methods `webhook_stats`, `webhook_dead_letters`, `webhook_retry`.
 */
export function createWebhooksExtension(given: WebhookOptions): GatewayExtension {
  const options = { ...WEBHOOK_DEFAULTS, ...given };
  const key = secretKey(options.secret);
  const enabled = new Set<WebhookEventType>(options.events);
  let database: SqlDatabase<OutboxTables> | undefined;
  let store: OutboxStore | undefined;
  let recorder: WebhookRecorder | undefined;
  let deliverer: Deliverer | undefined;
  let stopObserving: Array<() => void> = [];
  const tally = { delivered: 0, failed: 0 };

  const running = (): OutboxStore => {
    if (!store) throw new ApiError(ApiErrorCodes.temporarilyUnavailable, 'the gateway is starting or stopping');
    return store;
  };
  let logger: Logger | undefined;
  const method = (handler: (store: OutboxStore, body: unknown) => Promise<object>): ExtensionApiMethod => async (_node, body) => {
    try {
      return await handler(running(), body);
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      logger?.warn({ event: 'webhook_outbox_unavailable', err: (error as Error).message }, 'webhook API call failed: outbox database unreachable');
      throw new ApiError(ApiErrorCodes.temporarilyUnavailable, 'the webhook outbox database did not answer; retry');
    }
  };

  return {
    name: 'webhooks',
    api: {
      webhook_stats: method(async (s, body) => {
        parseBody(z.strictObject({}), body);
        const stats = await s.stats();
        const reply: WebhookStats = { url: options.url, pending: stats.pending, dead: stats.dead, oldest_pending_at: isoTime(stats.oldest_pending_at), delivered: tally.delivered, failed_attempts: tally.failed };
        return reply;
      }),
      webhook_dead_letters: method(async (s, body) => {
        const request = parseBody(deadLettersRequest, body);
        const events = await s.dead(request.limit, request.cursor === undefined ? undefined : Number(request.cursor));
        const page: DeadLetterPage = { items: events.map(deadLetter), next_cursor: events.length === request.limit ? String(events.at(-1)!.seq) : null };
        return page;
      }),
      webhook_retry: method(async (s, body) => {
        const request = parseBody(retryRequest, body);
        const retried = await s.retry(request.ids, Date.now(), options.retryPeriod);
        deliverer?.wake();
        return { retried };
      }),
    },

    async start({ node }) {
      const log = node.log.child({ component: 'webhooks' });
      logger = log;
      database = await openSqlDatabase<OutboxTables>(options.databaseUrl, options.dataDir ?? node.config.data_dir, 'webhooks.sqlite', (error) =>
        log.error({ err: error.message }, 'webhook outbox database connection failed'),
      );
      const applied = await migrateOutbox(database.maintenance, database.dialect).catch(async (error: unknown) => {
        await database?.close();
        database = undefined;
        throw error;
      });
      const current = new OutboxStore(database.db);
      // A SQLite outbox belongs to this process alone: leases a killed predecessor held are void.
      if (database.dialect === 'sqlite') await current.releaseLeases();
      store = current;
      // Users still online when this node last stopped get their offline unless they return.
      const keepOnline = options.status?.resumable === true;
      if (keepOnline) options.status!.resume(await current.onlineUsers());

      const registers = [node.metrics.registry];
      const deliveries = new Counter({ name: 'realtime_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome (delivered, failed, dead).', labelNames: ['outcome'], registers });
      new Gauge({
        name: 'realtime_webhook_outbox_pending',
        help: 'Webhook events waiting in the outbox (not dead-lettered).',
        registers,
        async collect() {
          this.set((await current.stats().catch(() => ({ pending: 0 }))).pending);
        },
      });
      const counted = (outcome: DeliveryOutcome) => {
        deliveries.inc({ outcome });
        if (outcome === 'delivered') tally.delivered += 1;
        else tally.failed += 1;
      };

      const delivery = new Deliverer(current, { url: options.url, key, timeout: options.timeout, initialInterval: options.retryInitialInterval, maxInterval: options.retryMaxInterval, concurrency: options.concurrency }, log, counted);
      deliverer = delivery;
      const events = new WebhookRecorder(current, { enabled, node: node.name, retryPeriod: options.retryPeriod, keepOnline }, log, () => delivery.wake());
      recorder = events;
      stopObserving = [
        node.events.observe({
          connected: (e) => events.connected(e),
          disconnected: (e) => events.disconnected(e),
          subscribed: (e) => events.subscribed(e),
          unsubscribed: (e) => events.unsubscribed(e),
        }),
        ...(options.status ? [options.status.onTransition((change) => events.transition(change))] : []),
      ];
      delivery.start(Math.max(50, Math.min(1000, options.retryInitialInterval)));
      log.info({ event: 'webhooks_started', url: options.url, dialect: database.dialect, database: database.location, migrations: applied, events: [...enabled] }, 'webhooks ready');
    },

    unready: () => databaseUnready(database),

    /** After the drain: the drain's disconnects are committed before the database closes. */
    async stop() {
      for (const stop of stopObserving) stop();
      stopObserving = [];
      await recorder?.flush();
      await deliverer?.stop();
      store = undefined;
      await database?.close();
      database = undefined;
    },
  };
}
