// Cancelling a running job: the runner notices at its next heartbeat. An import stops at the next record it
// reads, nothing is written, and the job ends `cancelled` with its input dropped; an export stops its push.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { cancelJob, createJob, findJob, jobInputFiles, OPERATOR } from '../../gateway/store/jobs.js';
import { parseSyncConfig } from '../../gateway/config/sync-config.js';
import { jobHandler } from '../../gateway/sync/jobs/handler.js';
import { exportJob } from '../../gateway/sync/jobs/run-export.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';
import { openTestStore } from '../support/store.js';
import { TEST_DATABASE_URL } from '../support/database.js';

const store = await openTestStore('job_cancel');
const UNPACK = { maxBytes: 64 * 1024 * 1024, maxRatio: 100 };
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
  const handler = jobHandler(store.db, createLogger('silent'), { staleAfterSeconds: 0.3, syncConfig: undefined, unpack: UNPACK });
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

it('stops an export while it pushes, when cancelled, and says where the package already went', async () => {
  const college = newUai('069');
  await putEstablishment(store.db, establishment(college, LYON));
  // A receiver that takes the request and never answers: the push hangs until it is given up.
  const held: http.ServerResponse[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'export-cancel-'));
  fs.mkdirSync(path.join(work, 'gar'));
  try {
    const yaml = `
version: 1
pushes:
  - id: gar-folder
    for: uai:${college}
    connector: gar
    destination: { kind: folder, path: ${path.join(work, 'gar')} }
  - id: hanging-hook
    for: uai:${college}
    connector: gar
    destination: { kind: webhook, url: "http://127.0.0.1:${(receiver.address() as AddressInfo).port}/deliveries", secret: { env: HOOK_SECRET } }
`;
    const syncConfig = parseSyncConfig(yaml, path.join(work, 'sync.yaml'), { HOOK_SECRET: 'a webhook secret of enough length' }, { connectors: { pull: [], push: ['gar'] } });
    const { job } = await createJob(store.db, exportJob('gar', college, OPERATOR), [], () => 1);
    const handler = jobHandler(store.db, createLogger('silent'), { staleAfterSeconds: 0.3, syncConfig, unpack: UNPACK });
    const running = handler(job.id, { number: 1, last: true });
    for (let i = 0; i < 500 && held.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(1);
    expect(await cancelJob(store.db, job.id)).toMatchObject({ state: 'running', cancel_requested: true });
    expect(await running).toBe('finished');
    const ended = await findJob(store.db, job.id);
    expect(ended).toMatchObject({ state: 'cancelled', error: null });
    expect(ended!.output).toMatchObject({ pushedTo: ['gar-folder'] });
    expect(fs.readdirSync(path.join(work, 'gar')).some((f) => f.endsWith('.tar.gz'))).toBe(true);
  } finally {
    for (const res of held) res.destroy();
    receiver.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 60_000);
