// The store's introspector reads its own schema only: Kysely's read every schema's tables and resolved each name
// again, so a migration failed ("schema … does not exist") when another store's schema came or went meanwhile.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { openTestStore } from '../support/store.js';
import type { Store } from '../../gateway/store/db.js';

let mine: Store & { schema: string };
let other: Store & { schema: string };
beforeAll(async () => {
  [mine, other] = await Promise.all([openTestStore('dialect_mine'), openTestStore('dialect_other')]);
});
afterAll(async () => {
  await Promise.all([mine?.close(), other?.close()]);
});

it("lists the tables of the store's own schema, none of another's", async () => {
  const tables = await mine.db.introspection.getTables();
  expect(tables.length).toBeGreaterThan(0);
  expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([mine.schema]));
  expect(tables.map((t) => t.name)).toContain('kysely_migration');
});

it('migrates while other sessions create and drop schemas of their own', async () => {
  const churn = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await churn.connect();
  let stop = false;
  const churning = (async () => {
    for (let i = 0; i < 200 && !stop; i += 1) {
      const schema = uniqueSchema('dialect_churn');
      await churn.query(`create schema "${schema}"; create table "${schema}".t (id serial primary key)`);
      await churn.query(`drop schema "${schema}" cascade`);
    }
  })();
  try {
    for (let i = 0; i < 4; i += 1) {
      const store = await openTestStore('dialect_migrating');
      await store.close();
    }
  } finally {
    stop = true;
    await churning;
    await churn.end();
  }
}, 120_000);
