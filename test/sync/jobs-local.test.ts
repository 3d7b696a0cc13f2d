// Without REDIS_URL the same jobs run inside the gateway process: submitted over HTTP, and taken up again at
// start when a stopped gateway left them unfinished.
import { afterAll, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { createJob, findJob } from '../../gateway/store/jobs.js';
import { OPERATOR } from '../../gateway/store/jobs.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

const started: TestGateway[] = [];
afterAll(async () => {
  for (const t of started) await t.close().catch(() => undefined);
});

async function settledJob(t: TestGateway, id: string) {
  for (let i = 0; i < 300; i += 1) {
    const job = await findJob(t.gateway.store.db, id);
    if (job && ['completed', 'failed', 'held', 'cancelled'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

it('runs jobs in process without Redis, and resumes at start the jobs a stopped gateway left', async () => {
  const first = await startTestGateway('jobs_local', { REDIS_URL: '', MAX_UPLOAD_MB: '1' });
  started.push(first);
  expect(first.gateway.jobs.inProcess).toBe(true);
  const db = first.gateway.store.db;
  const ecole = newUai('069');
  await putEstablishment(db, establishment(ecole, LYON, { type: 'ecole' }));
  const school = ondePupils(10, '10200');
  const writer = api(first.baseUrl, (await createClientWithToken(db, first.baseUrl, { scopes: ['sync.write'], perimeter: ['departement:069'] })).token);

  const answer = await writer.request('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}`, { body: school.exportOf(school.all), headers: { 'content-type': 'text/csv' } });
  expect(answer.status).toBe(202);
  expect(await settledJob(first, answer.body.id)).toMatchObject({ state: 'completed', counts: { created: 22 } });

  const tooLarge = await writer.request('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}`, { body: Buffer.alloc(1536 * 1024, 0x41), headers: { 'content-type': 'text/csv' } });
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body.detail).toContain('MAX_UPLOAD_MB');
  const jobsKept = await db.selectFrom('sync_job').select('id').execute();
  expect(jobsKept).toHaveLength(1);
  await first.close();

  // A job recorded while no gateway ran (as a crash would leave it): the next gateway takes it up.
  const second = await startTestGateway('jobs_local', { REDIS_URL: '', DATABASE_SCHEMA: first.schema });
  started.push(second);
  const { job } = await createJob(second.gateway.store.db, {
    connector: 'onde', mode: 'complete', uai: ecole, lockKey: ecole, submittedBy: OPERATOR, idempotencyKey: null,
    options: { lenientIdentifiers: false, confirmed: false },
  }, [{ name: 'eleves.csv', open: async function* () { yield school.exportOf(school.all.slice(1)); } }], () => 1);
  await second.close();
  const third = await startTestGateway('jobs_local', { REDIS_URL: '', DATABASE_SCHEMA: first.schema });
  started.push(third);
  expect(await settledJob(third, job.id)).toMatchObject({ state: 'completed', counts: { deleted: 2, unchanged: 20 } });
}, 120_000);
