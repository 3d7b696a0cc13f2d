// Cancelling a running import: the runner notices at its next heartbeat, the importer stops at the next record
// it reads, nothing is written, and the job ends `cancelled` with its input dropped.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { cancelJob, createJob, findJob, jobInputFiles, OPERATOR } from '../../gateway/store/jobs.js';
import { jobHandler } from '../../gateway/sync/jobs/handler.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';
import { openTestStore } from '../support/store.js';
import { TEST_DATABASE_URL } from '../support/database.js';

const store = await openTestStore('job_cancel');
afterAll(() => store.close());

it('stops a running import before it writes, when cancelled', async () => {
  const ecole = newUai('069');
  await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole' }));
  const school = ondePupils(20, '10240');
  const { job } = await createJob(store.db, {
    connector: 'onde', mode: 'complete', uai: ecole, lockKey: ecole, submittedBy: OPERATOR, idempotencyKey: null,
    options: { lenientIdentifiers: false, confirmed: false },
  }, [{ name: 'eleves.csv', open: async function* () { yield school.exportOf(school.all); } }], () => 1);

  // The job's input cannot be read while another session holds its table: the run waits there, mid-job.
  const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await blocker.connect();
  await blocker.query('begin');
  await blocker.query(`lock table "${store.schema}".sync_job_chunk in access exclusive mode`);
  const handler = jobHandler(store.db, createLogger('silent'), { staleAfterSeconds: 0.3, syncConfig: undefined });
  const running = handler(job.id, { number: 1, last: true });
  try {
    for (let i = 0; i < 500 && (await findJob(store.db, job.id))?.state !== 'running'; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await cancelJob(store.db, job.id)).toMatchObject({ state: 'running', cancel_requested: true });
    await new Promise((r) => setTimeout(r, 500)); // a heartbeat or more
  } finally {
    await blocker.query('rollback');
    await blocker.end();
  }
  expect(await running).toBe('finished');

  expect(await findJob(store.db, job.id)).toMatchObject({ state: 'cancelled', cancel_requested: false });
  expect(await jobInputFiles(store.db, job.id)).toEqual([]);
  const records = await store.db.selectFrom('roster_record').select('id').where('uai', '=', ecole).execute();
  expect(records).toEqual([]);
}, 60_000);
