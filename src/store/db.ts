import { mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import { truncate } from '../common/digest.js';
import { BosunError, describeError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { migrationProvider, type Dialect } from './migrations.js';
import type { Database } from './schema.js';

const log = logger('store');

/** An open store: the kysely handle and which dialect it speaks. */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives: the SQLite file or the redacted PostgreSQL URL. */
  location: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Data directory for the SQLite file `bosun.db`. Ignored when `databaseUrl` is set. */
  dataDir: string;
  /** `postgres://…` to use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
}

/**
 * Opens the store and brings its schema up to date. SQLite runs in WAL mode with a busy timeout
 * so that the service and a CLI command can share one file; every multi-row write runs in one
 * transaction, so a killed process leaves either all of a write or none of it.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
  await migrate(store);
  return store;
}

/** Max directory levels created for a data directory; deeper paths are rejected. */
const MAX_MISSING_LEVELS = 64;

/**
 * Creates the data directory one level at a time below its nearest existing ancestor.
 * `mkdirSync(…, { recursive: true })` spins for ever on some paths under /proc (Node 20), so
 * the recursion is done here, bounded, with a check that the ancestor is a directory.
 */
function createDataDir(dataDir: string): void {
  const fail = (reason: string, cause?: unknown): BosunError =>
    new BosunError('store.datadir', `cannot create data directory ${truncate(dataDir)}: ${reason}`, {
      hint: 'set --data-dir or BOSUN_DATA_DIR to a writable directory',
      cause,
    });

  const missing: string[] = [];
  let current = path.resolve(dataDir);
  for (;;) {
    let info: Stats | undefined;
    try {
      info = statOrMissing(current);
    } catch (error) {
      throw fail(`stat ${truncate(current)} failed (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`, error);
    }
    if (info !== undefined) {
      if (!info.isDirectory()) throw fail(`${truncate(current)} exists and is not a directory`);
      break;
    }
    if (missing.length >= MAX_MISSING_LEVELS) throw fail(`more than ${MAX_MISSING_LEVELS} directory levels are missing`);
    missing.push(current);
    current = path.dirname(current);
  }

  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      throw fail(`mkdir ${truncate(directory)} failed (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`, error);
    }
  }
}

/** Stats a path, or returns undefined when it or an ancestor is missing or not a directory. */
function statOrMissing(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function openSqlite(dataDir: string): Store {
  const file = path.join(dataDir, 'bosun.db');
  createDataDir(dataDir);

  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    throw new BosunError('store.open', `cannot open database ${file}`, {
      hint: 'check that the file is a Bosun database and the directory is writable',
      cause: error,
    });
  }

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string): Promise<Store> {
  // Imported here so that SQLite users do not pay for loading the PostgreSQL driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: url.replace(/\/\/[^@/]*@/, '//[redacted]@'),
    close: () => db.destroy(),
  };
}

async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') log.info({ migration: result.migrationName }, 'migration applied');
  }
  if (error) {
    throw new BosunError('store.migrate', `cannot update the database schema at ${store.location}`, {
      hint: 'the database may belong to a newer Bosun; back it up and use a matching version',
      cause: error,
    });
  }
}

/** Runs `work` in one transaction. */
export function transaction<T>(store: Store, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(work);
}
