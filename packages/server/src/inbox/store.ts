import type { ColumnType, ExpressionBuilder, Kysely, Nullable, Transaction } from 'kysely';

/** Epoch milliseconds; `pg` hands `bigint` columns back as strings, so reads go through `millis()`. */
type Millis = ColumnType<number | string, number, number>;

export type Audience = 'users' | 'all';

export interface NotificationTable {
  id: string;
  audience: Audience;
  type: string;
  title: string;
  body: string;
  /** JSON text */
  data: string | null;
  action: string | null;
  created_at: Millis;
  expires_at: Millis | null;
}

export interface DeliveryTable {
  notification_id: string;
  user_id: string;
  read_at: Millis | null;
  dismissed_at: Millis | null;
}

export interface InboxTables {
  inbox_notification: NotificationTable;
  inbox_delivery: DeliveryTable;
}

/** A notification as one user sees it: times as numbers, with that user's read state. */
export type StoredNotification = Omit<NotificationTable, 'created_at' | 'expires_at'> & {
  created_at: number;
  expires_at: number | null;
  read_at: number | null;
  dismissed_at: number | null;
};

export interface NewNotification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: string | null;
  action: string | null;
  created_at: number;
  expires_at: number | null;
}

/** Keyset position: the (created_at, id) of the last item of the previous page, newest first. */
export interface Cursor {
  created_at: number;
  id: string;
}

export interface ListQuery {
  now: number;
  limit: number;
  cursor?: Cursor | undefined;
  unreadOnly?: boolean;
  includeDismissed?: boolean;
}

export type StateField = 'read_at' | 'dismissed_at';

/**
 * Expressions over a notification `n` and one user's state `d`: inner-joined for their targeted
 * notifications, left-joined (nullable) for broadcasts; the same filters serve both.
 */
type Scope = ExpressionBuilder<InboxTables & { n: NotificationTable; d: Nullable<DeliveryTable> }, 'n' | 'd'>;
type NotificationScope = ExpressionBuilder<InboxTables & { n: NotificationTable }, 'n'>;

const millis = (value: number | string | null): number | null => (value === null ? null : Number(value));

const COLUMNS = ['n.id', 'n.audience', 'n.type', 'n.title', 'n.body', 'n.data', 'n.action', 'n.created_at', 'n.expires_at', 'd.read_at', 'd.dismissed_at'] as const;

function live(eb: NotificationScope, now: number) {
  return eb.or([eb('n.expires_at', 'is', null), eb('n.expires_at', '>', now)]);
}

/** Strictly after the cursor in newest-first order. */
function after(eb: NotificationScope, cursor: Cursor) {
  return eb.or([eb('n.created_at', '<', cursor.created_at), eb.and([eb('n.created_at', '=', cursor.created_at), eb('n.id', '<', cursor.id)])]);
}

/** The filters a user's list shares between their targeted and their broadcast notifications. */
function listFilter(eb: Scope, query: ListQuery) {
  const { cursor } = query;
  return eb.and([
    live(eb, query.now),
    ...(query.includeDismissed ? [] : [eb('d.dismissed_at', 'is', null)]),
    ...(query.unreadOnly ? [eb('d.read_at', 'is', null), eb('d.dismissed_at', 'is', null)] : []),
    ...(cursor ? [after(eb, cursor)] : []),
  ]);
}

type Row = { [K in keyof StoredNotification]: K extends 'created_at' ? number | string : K extends `${string}_at` ? number | string | null : StoredNotification[K] };

function toStored(row: Row): StoredNotification {
  return {
    ...row,
    created_at: Number(row.created_at),
    expires_at: millis(row.expires_at),
    read_at: millis(row.read_at),
    dismissed_at: millis(row.dismissed_at),
  };
}

const newestFirst = (a: StoredNotification, b: StoredNotification): number => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Dialect-neutral inbox queries. Every per-user query is scoped by `user_id`: nothing crosses users. */
export class InboxStore {
  constructor(private readonly db: Kysely<InboxTables>) {}

  /** Stores one notification for the given users (one delivery row each) or for everyone. */
  async insert(notification: NewNotification, recipients: string[] | 'all'): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('inbox_notification').values({ ...notification, audience: recipients === 'all' ? 'all' : 'users' }).execute();
      if (recipients === 'all') return;
      await trx.insertInto('inbox_delivery').values(recipients.map((user_id) => ({ notification_id: notification.id, user_id }))).execute();
    });
  }

  /** One page of a user's inbox, newest first: their own notifications merged with broadcasts. */
  async listForUser(user: string, query: ListQuery): Promise<StoredNotification[]> {
    const [targeted, broadcast] = await Promise.all([
      this.db
        .selectFrom('inbox_delivery as d')
        .innerJoin('inbox_notification as n', 'n.id', 'd.notification_id')
        .select(COLUMNS)
        .where('d.user_id', '=', user)
        .where('n.audience', '=', 'users')
        .where((eb) => listFilter(eb, query))
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .limit(query.limit)
        .execute(),
      this.broadcasts(this.db, user)
        .select(COLUMNS)
        .where((eb) => listFilter(eb, query))
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .limit(query.limit)
        .execute(),
    ]);
    return [...targeted, ...broadcast].map(toStored).sort(newestFirst).slice(0, query.limit);
  }

  /** Back office: every notification, newest first, without per-user state. */
  async listAll(query: ListQuery): Promise<StoredNotification[]> {
    const { cursor } = query;
    const rows = await this.db
      .selectFrom('inbox_notification as n')
      .selectAll()
      .$if(cursor !== undefined, (qb) => qb.where((eb) => after(eb, cursor!)))
      .orderBy('n.created_at', 'desc')
      .orderBy('n.id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map((row) => toStored({ ...row, read_at: null, dismissed_at: null }));
  }

  async unreadCount(user: string, now: number): Promise<number> {
    const [targeted, broadcast] = await Promise.all([
      this.db
        .selectFrom('inbox_delivery as d')
        .innerJoin('inbox_notification as n', 'n.id', 'd.notification_id')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('d.user_id', '=', user)
        .where('n.audience', '=', 'users')
        .where('d.read_at', 'is', null)
        .where('d.dismissed_at', 'is', null)
        .where((eb) => live(eb, now))
        .executeTakeFirstOrThrow(),
      this.broadcasts(this.db, user)
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('d.read_at', 'is', null)
        .where('d.dismissed_at', 'is', null)
        .where((eb) => live(eb, now))
        .executeTakeFirstOrThrow(),
    ]);
    return Number(targeted.count) + Number(broadcast.count);
  }

  /**
   * Sets `field` to `now` on the given notifications of `user` (or all of them) where it is still
   * unset; returns the ids that changed. With ids, all of them must be visible to the user, or
   * nothing changes and the invisible ones come back as `missing`.
   */
  async setState(user: string, ids: string[] | 'all', field: StateField, now: number): Promise<{ changed: string[]; missing: string[] }> {
    return this.db.transaction().execute(async (trx) => {
      let broadcastIds: string[] | undefined;
      if (ids !== 'all') {
        const visible = await this.visible(trx, user, ids, now);
        const missing = ids.filter((id) => !visible.has(id));
        if (missing.length > 0) return { changed: [], missing };
        broadcastIds = ids.filter((id) => visible.get(id) === 'all');
      }
      // `field IS NULL` makes a repeated or concurrent call a no-op instead of moving the time.
      const updated = await trx
        .updateTable('inbox_delivery')
        .set({ [field]: now })
        .where('user_id', '=', user)
        .where(field, 'is', null)
        .where('notification_id', 'in', (eb) => {
          const candidates = eb.selectFrom('inbox_notification as n').select('n.id').where((e) => live(e, now));
          return ids === 'all' ? candidates : candidates.where('n.id', 'in', ids);
        })
        .returning('notification_id')
        .execute();
      // Broadcasts the user has never touched have no delivery row yet: create it with the state.
      const inserted = broadcastIds?.length === 0 ? [] : await trx
        .insertInto('inbox_delivery')
        .columns(['notification_id', 'user_id', field])
        .expression(
          this.broadcasts(trx, user)
            // Casts: PostgreSQL cannot infer a parameter's type from an INSERT … SELECT target.
            .select((eb) => ['n.id', eb.cast<string>(eb.val(user), 'text').as('user_id'), eb.cast<number>(eb.val(now), 'bigint').as(field)])
            .where('d.user_id', 'is', null)
            .where((eb) => live(eb, now))
            .$if(broadcastIds !== undefined, (qb) => qb.where('n.id', 'in', broadcastIds!)),
        )
        .onConflict((oc) => oc.columns(['user_id', 'notification_id']).doNothing())
        .returning('notification_id')
        .execute();
      return { changed: [...updated, ...inserted].map((row) => row.notification_id), missing: [] };
    });
  }

  /** Deletes a notification and its per-user state; returns who could see it, or undefined. */
  async remove(id: string): Promise<{ audience: Audience; users: string[] } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('inbox_notification').select('audience').where('id', '=', id).executeTakeFirst();
      if (!found) return undefined;
      const deliveries = await trx.deleteFrom('inbox_delivery').where('notification_id', '=', id).returning('user_id').execute();
      await trx.deleteFrom('inbox_notification').where('id', '=', id).execute();
      return { audience: found.audience, users: deliveries.map((d) => d.user_id) };
    });
  }

  /**
   * Retention: drops expired notifications, and targeted deliveries dismissed before
   * `dismissedBefore` (then the notifications nobody holds any more). Dismissed broadcast rows stay
   * while the broadcast lives: deleting one would bring the broadcast back as unread.
   */
  async purge(now: number, dismissedBefore: number): Promise<{ expired: number; dismissed: number }> {
    return this.db.transaction().execute(async (trx) => {
      const expired = (eb: ExpressionBuilder<InboxTables, 'inbox_notification'>) => eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', now)]);
      await trx
        .deleteFrom('inbox_delivery')
        .where('notification_id', 'in', (eb) => eb.selectFrom('inbox_notification').select('id').where(expired))
        .execute();
      const gone = await trx.deleteFrom('inbox_notification').where(expired).executeTakeFirst();
      const dismissed = await trx
        .deleteFrom('inbox_delivery')
        .where('dismissed_at', '<=', dismissedBefore)
        .where('notification_id', 'in', (eb) => eb.selectFrom('inbox_notification').select('id').where('audience', '=', 'users'))
        .executeTakeFirst();
      await trx
        .deleteFrom('inbox_notification')
        .where('audience', '=', 'users')
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('inbox_delivery as d').select('d.user_id').whereRef('d.notification_id', '=', 'inbox_notification.id'))))
        .execute();
      return { expired: Number(gone.numDeletedRows), dismissed: Number(dismissed.numDeletedRows) };
    });
  }

  /** Broadcast notifications joined with this user's state (null columns until they touch one). */
  private broadcasts(db: Kysely<InboxTables> | Transaction<InboxTables>, user: string) {
    return db
      .selectFrom('inbox_notification as n')
      .leftJoin('inbox_delivery as d', (join) => join.onRef('d.notification_id', '=', 'n.id').on('d.user_id', '=', user))
      .where('n.audience', '=', 'all');
  }

  /** Which of `ids` the user may see, and whether each is a broadcast. */
  private async visible(trx: Transaction<InboxTables>, user: string, ids: string[], now: number): Promise<Map<string, Audience>> {
    const rows = await trx
      .selectFrom('inbox_notification as n')
      .leftJoin('inbox_delivery as d', (join) => join.onRef('d.notification_id', '=', 'n.id').on('d.user_id', '=', user))
      .select(['n.id', 'n.audience'])
      .where('n.id', 'in', ids)
      .where((eb) => eb.and([live(eb, now), eb.or([eb('n.audience', '=', 'all'), eb('d.user_id', 'is not', null)])]))
      .execute();
    return new Map(rows.map((row) => [row.id, row.audience]));
  }
}
