// A request's replica connection when the request ends while its handler still reads (the client went away): the
// connection goes back to the pool only once the statements begun before are done, and a statement after the end
// is refused rather than sent on a connection another request may hold by then. The "replica" here is the test
// database itself, through a pool of one connection that the test watches.
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { StoreDialect } from '../../gateway/store/dialect.js';
import { replicaReads } from '../../gateway/store/read-side.js';
import type { Database } from '../../gateway/store/tables.js';
import { TEST_DATABASE_URL } from '../support/database.js';

const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
const replica = new Kysely<Database>({ dialect: new StoreDialect({ pool }) });
const primary = new Kysely<Database>({ dialect: new StoreDialect({ pool: new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }) }) });
afterAll(async () => {
  await replica.destroy();
  await primary.destroy();
});

it('gives the connection back once the statements begun are done, and refuses those sent after the request ended', async () => {
  const reads = replicaReads(primary, replica, { waitMs: 0 });
  const session = reads.session();
  const db = await session.at();
  expect(db).not.toBe(primary);

  const slow = sql<{ done: number }>`select 1 as done from pg_sleep(0.4)`.execute(db);
  const queued = sql<{ n: number }>`select 2 as n`.execute(db);
  await new Promise((resolve) => setTimeout(resolve, 50));
  session.release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Still held: the statements begun before the end are running on it.
  expect(pool.idleCount).toBe(0);
  await expect(sql`select 3`.execute(db)).rejects.toThrow(/request is over/);

  expect((await slow).rows).toEqual([{ done: 1 }]);
  expect((await queued).rows).toEqual([{ n: 2 }]);
  await expect.poll(() => pool.idleCount).toBe(1);
  // Another session pins it again.
  const next = reads.session();
  expect((await sql<{ n: number }>`select 4 as n`.execute(await next.at())).rows).toEqual([{ n: 4 }]);
  next.release();
});
