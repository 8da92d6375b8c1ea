import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';

/** Epoch milliseconds; `pg` hands `bigint` columns back as strings. */
type Millis = ColumnType<number | string, number, number>;

export interface OutboxTable {
  seq: ColumnType<number | string, never, never>;
  id: string;
  type: string;
  order_key: string;
  body: string;
  created_at: Millis;
  give_up_at: Millis;
  attempts: Generated<number>;
  next_attempt_at: Millis;
  lease_until: ColumnType<number | string, number | undefined, number>;
  last_error: string | null;
  dead_at: Millis | null;
}

export interface OnlineTable {
  user_id: string;
  since: Millis;
}

export interface OutboxTables {
  webhook_outbox: OutboxTable;
  webhook_online: OnlineTable;
}

/** What a batch does to the users reported online: since (ms) for online, null for offline. */
export type OnlineChanges = ReadonlyMap<string, number | null>;

export interface NewEvent {
  id: string;
  type: string;
  order_key: string;
  body: string;
  created_at: number;
  give_up_at: number;
}

export interface OutboxEvent extends NewEvent {
  seq: number;
  attempts: number;
  last_error: string | null;
  dead_at: number | null;
}

export interface OutboxStats {
  pending: number;
  dead: number;
  /** ms since epoch of the oldest undelivered, not dead event; null when none. */
  oldest_pending_at: number | null;
}

const num = (value: number | string): number => Number(value);

function event(row: { seq: number | string; id: string; type: string; order_key: string; body: string; created_at: number | string; give_up_at: number | string; attempts: number; last_error: string | null; dead_at: number | string | null }): OutboxEvent {
  return { ...row, seq: num(row.seq), created_at: num(row.created_at), give_up_at: num(row.give_up_at), dead_at: row.dead_at === null ? null : num(row.dead_at) };
}

const COLUMNS = ['seq', 'id', 'type', 'order_key', 'body', 'created_at', 'give_up_at', 'attempts', 'last_error', 'dead_at'] as const;

/**
 * The outbox: events wait here, committed, until the receiver has taken them. Several nodes may
 * share one (PostgreSQL): a node takes an event by leasing it, and only the oldest waiting event
 * of a user is ever offered, so a user's events go out one at a time, in order.
 */
export class OutboxStore {
  constructor(private readonly db: Kysely<OutboxTables>) {}

  /** One commit: the events, and the online users they report. */
  async add(events: NewEvent[], online: OnlineChanges = new Map()): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // A batch is written again after a failed commit; if that commit did land (only its answer was
      // lost), the rows are there already under the same ids and the retry must not fail on them.
      if (events.length > 0) {
        await tx
          .insertInto('webhook_outbox')
          .values(events.map((e) => ({ ...e, next_attempt_at: e.created_at })))
          .onConflict((c) => c.column('id').doNothing())
          .execute();
      }
      const gone = [...online].filter(([, since]) => since === null).map(([user]) => user);
      if (gone.length > 0) await tx.deleteFrom('webhook_online').where('user_id', 'in', gone).execute();
      const came = [...online].filter((entry): entry is [string, number] => entry[1] !== null).map(([user_id, since]) => ({ user_id, since }));
      if (came.length > 0) await tx.insertInto('webhook_online').values(came).onConflict((c) => c.column('user_id').doUpdateSet({ since: (eb) => eb.ref('excluded.since') })).execute();
    });
  }

  async onlineUsers(): Promise<Array<{ user: string; since: number }>> {
    return (await this.db.selectFrom('webhook_online').select(['user_id', 'since']).execute()).map((row) => ({ user: row.user_id, since: num(row.since) }));
  }

  /** The first waiting event of each user that is due and not leased, oldest first. */
  async due(now: number, limit: number): Promise<OutboxEvent[]> {
    const rows = await this.db
      .selectFrom('webhook_outbox as o')
      .select(COLUMNS.map((c) => `o.${c}` as const))
      .where('o.dead_at', 'is', null)
      .where('o.next_attempt_at', '<=', now)
      .where('o.lease_until', '<=', now)
      .where(({ eb, selectFrom }) =>
        eb('o.seq', '=', selectFrom('webhook_outbox as i').select((s) => s.fn.min('i.seq').as('head')).whereRef('i.order_key', '=', 'o.order_key').where('i.dead_at', 'is', null)),
      )
      .orderBy('o.seq')
      .limit(limit)
      .execute();
    return rows.map(event);
  }

  /** Takes an event until `until`; false when another node took it first. */
  async lease(seq: number, now: number, until: number): Promise<boolean> {
    const result = await this.db.updateTable('webhook_outbox').set({ lease_until: until }).where('seq', '=', seq as never).where('lease_until', '<=', now).where('dead_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delivered(seq: number): Promise<void> {
    await this.db.deleteFrom('webhook_outbox').where('seq', '=', seq as never).execute();
  }

  async failed(seq: number, update: { attempts: number; next_attempt_at: number; last_error: string; dead_at: number | null }): Promise<void> {
    await this.db.updateTable('webhook_outbox').set({ ...update, lease_until: 0 }).where('seq', '=', seq as never).execute();
  }

  /** On start of a node that owns its outbox alone (SQLite): leases of the killed process are void. */
  async releaseLeases(): Promise<void> {
    await this.db.updateTable('webhook_outbox').set({ lease_until: 0 }).where('lease_until', '>', 0).execute();
  }

  /** Dead letters, newest first, `limit` after the `before` seq. */
  async dead(limit: number, before?: number): Promise<OutboxEvent[]> {
    let query = this.db.selectFrom('webhook_outbox').select(COLUMNS).where('dead_at', 'is not', null);
    if (before !== undefined) query = query.where('seq', '<', before as never);
    return (await query.orderBy('seq', 'desc').limit(limit).execute()).map(event);
  }

  /** Puts dead letters back in line, with a fresh retry period; `ids` undefined: all of them. */
  async retry(ids: string[] | undefined, now: number, retryPeriod: number): Promise<number> {
    let query = this.db.updateTable('webhook_outbox').set({ dead_at: null, attempts: 0, next_attempt_at: now, give_up_at: now + retryPeriod, lease_until: 0 }).where('dead_at', 'is not', null);
    if (ids) query = query.where('id', 'in', ids);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  async stats(): Promise<OutboxStats> {
    const row = await this.db
      .selectFrom('webhook_outbox')
      .select([
        sql<number | string>`count(*) filter (where dead_at is null)`.as('pending'),
        sql<number | string>`count(*) filter (where dead_at is not null)`.as('dead'),
        sql<number | string | null>`min(created_at) filter (where dead_at is null)`.as('oldest'),
      ])
      .executeTakeFirstOrThrow();
    return { pending: num(row.pending), dead: num(row.dead), oldest_pending_at: row.oldest === null ? null : num(row.oldest) };
  }
}
