// Opens the store: a real PostgreSQL server when DATABASE_URL is set, otherwise embedded PostgreSQL (PGlite)
// in the data folder. Both go through the same pg.Pool interface, so kysely, the migrations and every query
// are the same on both.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from './tables.js';
import { migrationProvider } from './migrations/index.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'embedded';
  /** Runs pending migrations; returns the names it applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {}

export async function openStore(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<Store> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, config.databaseSchema) : openEmbedded(config.dataDir);
}

async function openPostgres(url: string, schema: string): Promise<Store> {
  if (schema !== 'public') {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    options: `-c search_path="${schema}"`,
    application_name: 'passerelle',
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return makeStore(db, 'postgres', schema, async () => db.destroy());
}

async function openEmbedded(dataDir: string): Promise<Store> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    const pglite = await PGlite.create(path.join(dataDir, 'pg'));
    // PGlite is one session: the pool has one connection, and concurrent transactions queue up.
    const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return makeStore(db, 'embedded', 'public', async () => {
      await db.destroy();
      await pglite.close();
      releaseLock();
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PGlite has no lock between processes: two of them on one folder lose writes. An exclusive pid file keeps a
 * second process (a CLI command while the server runs) out, with a message that says what to do.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'passerelle.lock');
  const tryLock = (): boolean => {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    }
  };
  if (!tryLock()) {
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (holder && processAlive(holder)) {
      throw new StoreError(
        `the embedded database in ${dataDir} is in use by process ${holder}; stop it first, ` +
          'or set DATABASE_URL to use a PostgreSQL server that several processes can share',
      );
    }
    fs.rmSync(lockFile, { force: true }); // left behind by a process that died
    if (!tryLock()) throw new StoreError(`could not lock ${lockFile}`);
  }
  return () => fs.rmSync(lockFile, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function makeStore(db: Kysely<Database>, kind: Store['kind'], schema: string, close: () => Promise<void>): Store {
  return {
    db,
    kind,
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error');
        throw new StoreError(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`);
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    close,
  };
}

/** True when the store answers a trivial query: the readiness probe. */
export async function storeReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Fresh planner statistics after a bulk load, so the feeds' index plans hold from the first request on. */
export async function refreshStatistics(db: Kysely<Database>): Promise<void> {
  await sql`analyze establishment, roster_record, source_key`.execute(db);
}
