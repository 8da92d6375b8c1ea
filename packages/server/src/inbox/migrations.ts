import { Migrator, sql, type Kysely, type Migration } from 'kysely';

/**
 * The inbox schema, one entry per version; applied in name order at start and recorded in
 * `inbox_migration`. Never edit a released entry: add the next one. Timestamps are epoch
 * milliseconds in `bigint` columns so both dialects store and compare them the same way.
 */
const migrations: Record<string, Migration> = {
  '0001_notifications': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('inbox_notification')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('data', 'text')
        .addColumn('action', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('inbox_notification_audience_created').on('inbox_notification').columns(['audience', 'created_at', 'id']).execute();
      await db.schema.createIndex('inbox_notification_expires').on('inbox_notification').column('expires_at').execute();

      // One row per recipient of a targeted notification (created at send); for a broadcast, a row
      // appears only once that user reads or dismisses it, so a broadcast costs one row to send.
      await db.schema
        .createTable('inbox_delivery')
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('read_at', 'bigint')
        .addColumn('dismissed_at', 'bigint')
        .addPrimaryKeyConstraint('inbox_delivery_pk', ['user_id', 'notification_id'])
        .execute();
      await db.schema.createIndex('inbox_delivery_notification').on('inbox_delivery').column('notification_id').execute();
      await db.schema.createIndex('inbox_delivery_dismissed').on('inbox_delivery').column('dismissed_at').where(sql.ref('dismissed_at'), 'is not', null).execute();
    },
  },
};

/** Brings the schema to the latest version; concurrent starts are serialised by Kysely's lock table. */
export async function migrateInbox(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'inbox_migration',
    migrationLockTableName: 'inbox_migration_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error;
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
