// Drops, once every suite has finished, the PostgreSQL schemas this test run created.
import pg from 'pg';
import { TEST_DATABASE_URL } from './database.js';

export async function teardown(): Promise<void> {
  const run = process.env.PASSERELLE_TEST_RUN;
  if (!run) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like $1`, [`t\\_${run}\\_%`]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}
