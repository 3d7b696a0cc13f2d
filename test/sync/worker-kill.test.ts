// A worker killed half-way through an import (SIGKILL) leaves the store as it was, and the job completes
// once another worker takes it up: real `passerelle worker` processes, real PostgreSQL and Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { findJob } from '../../gateway/store/jobs.js';
import { OPERATOR } from '../../gateway/store/jobs.js';
import { openSyncJobs, type SyncJobs } from '../../gateway/sync/jobs/service.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';
import { openTestStore } from '../support/store.js';

const store = await openTestStore('worker_kill');
const env = {
  ...process.env,
  DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: store.schema, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: store.schema,
  JOB_LOCK_SECONDS: '1', LOG_LEVEL: 'warn',
};
const config = loadConfig(env);
let jobs: SyncJobs;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  workers.push(child);
  return child;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, seconds = 60): Promise<T> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

beforeAll(async () => {
  jobs = await openSyncJobs(config, store.db, createLogger('silent'), { resume: false });
});
afterAll(async () => {
  for (const child of workers) child.kill('SIGKILL');
  await jobs?.close();
  await store.close();
});

it('leaves the store unchanged when its worker is killed mid-import, and completes on the next worker', async () => {
  const uai = newUai('069');
  await putEstablishment(store.db, establishment(uai, LYON, { type: 'ecole' }));
  const school = ondePupils(20, '10190');
  const records = async () => Number((await store.db.selectFrom('roster_record').select((eb) => eb.fn.countAll<string>().as('n')).where('uai', '=', uai).executeTakeFirstOrThrow()).n);

  // Another writer holds the change counter, so the worker's import stops inside its transaction, mid-write.
  const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await blocker.connect();
  await blocker.query('begin');
  await blocker.query(`select seq from "${store.schema}".change_counter for update`);
  try {
    const { job } = await jobs.submit({
      connector: 'onde', mode: 'complete', uai, lockKey: uai, submittedBy: OPERATOR, idempotencyKey: null,
      options: { lenientIdentifiers: false, confirmed: false, inputName: 'eleves.csv' },
    }, [{ name: 'eleves.csv', open: async function* () { yield school.exportOf(school.all); } }]);

    const first = startWorker();
    await until('the import waits on the counter', async () => {
      const waiting = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%change_counter%'`.execute(store.db);
      return Number(waiting.rows[0].n) > 0 && (await findJob(store.db, job.id))?.state === 'running';
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await blocker.query('rollback');

    expect(await records()).toBe(0);
    expect((await findJob(store.db, job.id))?.state).toBe('running');

    startWorker();
    const done = await until('the job completes on the second worker', async () => {
      const found = await findJob(store.db, job.id);
      return found && ['completed', 'failed'].includes(found.state) ? found : undefined;
    });
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(done.counts).toEqual({ created: 42, updated: 0, unchanged: 0, deleted: 0, rejected: 0 });
    expect(await records()).toBe(42);
  } finally {
    await blocker.end();
  }
}, 120_000);
