import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { InboxTables } from './store.js';

export type InboxDialect = 'sqlite' | 'postgres';

export interface SqlDatabase<Tables> {
  /** For calls someone waits on: on PostgreSQL each query fails after a few seconds unanswered. */
  readonly db: Kysely<Tables>;
  /** For migrations and retention, which may rightly take long: no query timeout. */
  readonly maintenance: Kysely<Tables>;
  close(): Promise<void>;
  readonly dialect: InboxDialect;
  /** Where the data lives, with any password removed: for log lines. */
  readonly location: string;
}

export type InboxDatabase = SqlDatabase<InboxTables>;

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const SQLITE_URL = /^sqlite:(\/\/)?/i;

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

// Drivers load on first use: importing the server (or the inbox) loads neither native SQLite nor pg.
async function openSqlite<Tables>(file: string): Promise<SqlDatabase<Tables>> {
  const { default: Database } = await import('better-sqlite3');
  const database = new Database(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes a commit survive power loss,
  // which is what "committed before the API answers" has to mean for an embedded file.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
  return { db, maintenance: db, close: () => db.destroy(), dialect: 'sqlite', location: file };
}

/** ms to open a PostgreSQL connection (or wait for a free one in the pool). */
const POSTGRES_CONNECT_TIMEOUT_MS = 2_000;
/**
 * ms a query may go unanswered before the call fails and the connection is dropped: short enough
 * that a client RPC gets the inbox's 503 before the official SDK's own 5 s timeout.
 */
const POSTGRES_QUERY_TIMEOUT_MS = 3_000;

type PgClientClass = typeof import('pg').Client;

/**
 * Two pg habits that would hurt a gateway whose database goes away:
 * - a client the pool has handed out has no 'error' listener (the pool's is for idle clients), so
 *   a connection lost mid-call would be an uncaught exception. The call in flight already fails
 *   with the error, and a later one with "not queryable", so here the event is only absorbed.
 * - a query that timed out is answered but its connection kept, and the next queries wait behind
 *   it. Destroying the socket makes the pool drop that connection and open a fresh one.
 */
function resilientClient(Base: PgClientClass): PgClientClass {
  return class extends Base {
    constructor(...args: ConstructorParameters<PgClientClass>) {
      super(...args);
      this.on('error', () => undefined);
    }

    override query(...args: unknown[]): never {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) {
        result.catch((error: Error) => {
          if (error.message === 'Query read timeout') (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        });
      }
      return result as never;
    }
  } as PgClientClass;
}

/** Node and pg errors that mean the database could not be reached or stopped answering. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03']);
const UNREACHABLE_MESSAGES = /^(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * True when `error` says the database is out of reach (refused, reset, timed out, shutting down;
 * SQLSTATE class 08 is "connection exception"), as opposed to a query the database refused.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnreachable);
  return UNREACHABLE_MESSAGES.test(error.message);
}

/** For `/readyz`: undefined when the database answers, else why not. */
export async function databaseUnready<Tables>(database: SqlDatabase<Tables> | undefined): Promise<string | undefined> {
  if (!database) return 'not open';
  try {
    await sql`select 1`.execute(database.db);
    return undefined;
  } catch (error) {
    return `database unreachable: ${(error as Error).message}`;
  }
}

/**
 * Opens the inbox database: PostgreSQL for a `postgres://` URL, SQLite for a `sqlite:<path>` URL,
 * and by default SQLite in `<dataDir>/inbox.sqlite`.
 */
export function openInboxDatabase(databaseUrl: string | undefined, dataDir: string, onPoolError: (error: Error) => void): Promise<InboxDatabase> {
  return openSqlDatabase<InboxTables>(databaseUrl, dataDir, 'inbox.sqlite', onPoolError);
}

/** The same store for another extension (the webhook outbox): its own SQLite file by default. */
export async function openSqlDatabase<Tables>(databaseUrl: string | undefined, dataDir: string, sqliteFile: string, onPoolError: (error: Error) => void): Promise<SqlDatabase<Tables>> {
  if (!databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    return openSqlite<Tables>(join(dataDir, sqliteFile));
  }
  if (POSTGRES_URL.test(databaseUrl)) {
    const { default: pg } = await import('pg');
    const Client = resilientClient(pg.Client);
    const open = (options: { max: number; query_timeout?: number }) => {
      // A hung server (or network) must fail a connect in bounded time instead of holding it forever.
      const pool = new pg.Pool({ connectionString: databaseUrl, Client, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS, keepAlive: true, ...options });
      // An idle client losing its server emits on the pool; unhandled, that would end the process.
      pool.on('error', onPoolError);
      return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    };
    const db = open({ max: 10, query_timeout: POSTGRES_QUERY_TIMEOUT_MS });
    const maintenance = open({ max: 1 });
    return { db, maintenance, close: async () => void (await Promise.all([db.destroy(), maintenance.destroy()])), dialect: 'postgres', location: redacted(databaseUrl) };
  }
  if (SQLITE_URL.test(databaseUrl)) return openSqlite<Tables>(databaseUrl.replace(SQLITE_URL, ''));
  throw new TypeError(`notifications.database_url: "${databaseUrl.split(':')[0]}:" is not supported; use postgres://… or sqlite:<path>`);
}
