// Opens the store: a real PostgreSQL server when DATABASE_URL is set, otherwise embedded PostgreSQL (PGlite)
// in the data folder. Both go through the same pg.Pool interface, so kysely, the migrations and every query
// are the same on both. PGlite lives in one process: the one that opens it shares it with the others (the
// command line beside `passerelle serve`) over a Unix socket in the data folder. With DATABASE_READ_URL, the feeds'
// reads go to a streaming replica of the PostgreSQL server (read-side.ts).
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, Migrator, sql } from 'kysely';
import { primaryReads, replicaReads, type FallbackReason, type ReadSide } from './read-side.js';
import type { Config } from '../config/config.js';
import type { Database } from './tables.js';
import { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import { shareStore } from './socket/share-store.js';
import { connectTo, SocketPool } from './socket/socket-pool.js';

export interface Store {
  readonly db: Kysely<Database>;
  /** Where the feeds' reads go: a replica's sessions, or the primary's (`db`) when there is none. */
  readonly reads: ReadSide;
  readonly kind: 'postgres' | 'embedded';
  /** Runs pending migrations; returns the names it applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {}

export interface OpenOptions {
  /**
   * The embedded database must be this process's own (a server): when another process has it open, refuse
   * rather than use it through that process's socket, as commands do.
   */
  exclusive?: boolean;
  /** Told when a read meant for the replica goes to the primary. */
  onReadFallback?: (reason: FallbackReason, error?: unknown) => void;
}

type StoreConfig = Pick<Config, 'databaseUrl' | 'databaseSchema' | 'dataDir'> & Partial<Pick<Config, 'databaseReadUrl' | 'databaseReadWaitMs'>>;

export async function openStore(config: StoreConfig, options: OpenOptions = {}): Promise<Store> {
  if (!config.databaseUrl) return openEmbedded(config.dataDir, options.exclusive ?? false);
  const store = await openPostgres(config.databaseUrl, config.databaseSchema);
  return config.databaseReadUrl ? withReplica(store, config.databaseReadUrl, config.databaseSchema, config.databaseReadWaitMs ?? 1000, options) : store;
}

function postgresPool(url: string, schema: string, extra: pg.PoolConfig = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    options: `-c search_path="${schema}"`,
    application_name: 'passerelle',
    ...extra,
  });
  return new Kysely<Database>({ dialect: new StoreDialect({ pool }) });
}

/** The store with its feeds' reads on a replica: the schema is the primary's, replayed (nothing to create there). */
function withReplica(store: Store, url: string, schema: string, waitMs: number, options: OpenOptions): Store {
  // A replica that does not answer sends reads to the primary after this long, rather than holding requests.
  const replica = postgresPool(url, schema, { connectionTimeoutMillis: 2000 });
  return {
    ...store,
    reads: replicaReads(store.db, replica, { waitMs, onFallback: options.onReadFallback }),
    async close() {
      await replica.destroy();
      await store.close();
    },
  };
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
  const db = postgresPool(url, schema);
  return makeStore(db, 'postgres', schema, async () => db.destroy());
}

async function openEmbedded(dataDir: string, exclusive: boolean): Promise<Store> {
  fs.mkdirSync(dataDir, { recursive: true });
  const socketPath = path.resolve(dataDir, 'passerelle.sock');
  // sun_path holds 108 bytes with its terminating zero.
  if (Buffer.byteLength(socketPath) > 107) {
    throw new StoreError(`the data folder's path is too long for the socket the embedded database is shared on (${socketPath}): set PASSERELLE_DATA_DIR to a shorter path`);
  }
  const lock = lockDataDir(dataDir);
  if ('holder' in lock) {
    if (!exclusive) {
      const shared = await openShared(socketPath, lock.holder);
      if (shared) return shared;
    }
    throw new StoreError(
      `the embedded database in ${dataDir} is in use by process ${lock.holder}` +
        (exclusive ? '' : ', which does not share it (a server shares it once it has started)') +
        '; stop it first, or set DATABASE_URL to use a PostgreSQL server that several processes can share',
    );
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  try {
    const pglite = await PGlite.create(path.join(dataDir, 'pg'));
    // PGlite is one session: the pool has one connection, and concurrent transactions queue up.
    const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
    const db = new Kysely<Database>({ dialect: new StoreDialect({ pool }) });
    const sharing = await shareStore(pool, socketPath).catch(async (error: unknown) => {
      await db.destroy();
      await pglite.close();
      throw error;
    });
    return makeStore(db, 'embedded', 'public', async () => {
      await sharing.close();
      await db.destroy();
      await pglite.close();
      lock.release();
    });
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The embedded database of the live process `holder`, through its socket; undefined when it shares none. */
async function openShared(socketPath: string, holder: number): Promise<Store | undefined> {
  try {
    (await connectTo(socketPath)).destroy();
  } catch {
    return undefined;
  }
  const db = new Kysely<Database>({ dialect: new StoreDialect({ pool: new SocketPool(socketPath, holder) }) });
  return makeStore(db, 'embedded', 'public', async () => db.destroy());
}

/**
 * PGlite has no lock between processes: two of them on one folder lose writes. An exclusive pid file says
 * which process holds the folder; the others go through its socket, or are refused with a message that says
 * what to do.
 */
function lockDataDir(dataDir: string): { release(): void } | { holder: number } {
  const lockFile = path.join(dataDir, 'passerelle.lock');
  // Written aside, then linked into place: the lock file never exists without its pid, so a process reading
  // it at that moment cannot mistake it for one left empty by a process that died.
  const tryLock = (): boolean => {
    const written = `${lockFile}.${process.pid}`;
    fs.writeFileSync(written, String(process.pid));
    try {
      fs.linkSync(written, lockFile);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    } finally {
      fs.rmSync(written, { force: true });
    }
  };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (tryLock()) return { release: () => fs.rmSync(lockFile, { force: true }) };
    let holder: number;
    try {
      holder = Number(fs.readFileSync(lockFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released in between
      throw error;
    }
    if (holder && processAlive(holder)) return { holder };
    fs.rmSync(lockFile, { force: true }); // left behind by a process that died
  }
  throw new StoreError(`could not lock ${lockFile}`);
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
    reads: primaryReads(db),
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
