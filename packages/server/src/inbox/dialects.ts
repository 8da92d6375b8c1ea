import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { InboxTables } from './store.js';

export type InboxDialect = 'sqlite' | 'postgres';

export interface InboxDatabase {
  readonly db: Kysely<InboxTables>;
  readonly dialect: InboxDialect;
  /** Where the data lives, with any password removed: for log lines. */
  readonly location: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const SQLITE_URL = /^sqlite:(\/\/)?/i;

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

// Drivers load on first use: importing the server (or the inbox) loads neither native SQLite nor pg.
async function openSqlite(file: string): Promise<InboxDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const database = new Database(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes a commit survive power loss,
  // which is what "committed before the API answers" has to mean for an embedded file.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  return { db: new Kysely<InboxTables>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite', location: file };
}

/**
 * Opens the inbox database: PostgreSQL for a `postgres://` URL, SQLite for a `sqlite:<path>` URL,
 * and by default SQLite in `<dataDir>/inbox.sqlite`.
 */
export async function openInboxDatabase(databaseUrl: string | undefined, dataDir: string, onPoolError: (error: Error) => void): Promise<InboxDatabase> {
  if (!databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    return openSqlite(join(dataDir, 'inbox.sqlite'));
  }
  if (POSTGRES_URL.test(databaseUrl)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    // An idle client losing its server emits on the pool; unhandled, that would end the process.
    pool.on('error', onPoolError);
    return { db: new Kysely<InboxTables>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', location: redacted(databaseUrl) };
  }
  if (SQLITE_URL.test(databaseUrl)) return openSqlite(databaseUrl.replace(SQLITE_URL, ''));
  throw new TypeError(`notifications.database_url: "${databaseUrl.split(':')[0]}:" is not supported; use postgres://… or sqlite:<path>`);
}
