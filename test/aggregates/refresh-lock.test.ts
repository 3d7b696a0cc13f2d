// One refresh of the facts at a time per schema: a process finding another refreshing the same facts skips, and
// one refreshing another schema's facts (another deployment, or another test suite, in the same database) does not.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REFRESH_LOCK, refreshFacts } from '../../gateway/store/aggregates/facts.js';
import type { Store } from '../../gateway/store/db.js';
import { openTestStore } from '../support/store.js';

let mine: Store & { schema: string };
let other: Store & { schema: string };

beforeAll(async () => {
  [mine, other] = await Promise.all([openTestStore('refresh_lock_a'), openTestStore('refresh_lock_b')]);
});

afterAll(async () => {
  for (const store of [mine, other]) {
    await sql`drop schema if exists ${sql.id(store.schema)} cascade`.execute(store.db);
    await store.close();
  }
});

it('skips while its own schema is being refreshed, never for another schema', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  // Another process's refresh of the same schema, holding the lock as refreshFacts does.
  const refreshing = mine.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${REFRESH_LOCK}, hashtext(current_schema()))`.execute(trx);
    held();
    await released;
  });
  await holding;
  try {
    expect((await refreshFacts(mine.db)).skipped).toBe(true);
    expect((await refreshFacts(other.db)).skipped).toBe(false);
  } finally {
    release();
    await refreshing;
  }
  expect((await refreshFacts(mine.db)).skipped).toBe(false);
});
