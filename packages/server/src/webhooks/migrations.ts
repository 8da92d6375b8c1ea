import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { InboxDialect } from '../inbox/dialects.js';

/**
 * The outbox schema, recorded in `webhook_migration` (the inbox's conventions: never edit a
 * released entry, epoch milliseconds in `bigint` columns). `seq` orders events: a user's events are
 * delivered in `seq` order.
 */
function migrations(dialect: InboxDialect): Record<string, Migration> {
  return {
    '0001_outbox': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('webhook_outbox')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('type', 'text', (c) => c.notNull())
          // The user id, or `client:<id>` for an anonymous connection: events with one key go in order.
          .addColumn('order_key', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('give_up_at', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          // A node delivering the event holds it until then; a node that died lets go by itself.
          .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'text')
          .addColumn('dead_at', 'bigint')
          .execute();
        await db.schema.createIndex('webhook_outbox_order').on('webhook_outbox').columns(['order_key', 'seq']).execute();
        await db.schema.createIndex('webhook_outbox_due').on('webhook_outbox').columns(['next_attempt_at']).where(sql.ref('dead_at'), 'is', null).execute();
        await db.schema.createIndex('webhook_outbox_dead').on('webhook_outbox').columns(['dead_at']).where(sql.ref('dead_at'), 'is not', null).execute();
      },
    },
    // Users this node reported online and not yet offline, written in the same commit as those
    // events: after a crash of a node that kept status in memory, they still get their offline.
    '0002_online': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('webhook_online')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('since', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  };
}

export async function migrateOutbox(db: Kysely<any>, dialect: InboxDialect): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: 'webhook_migration',
    migrationLockTableName: 'webhook_migration_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error;
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
