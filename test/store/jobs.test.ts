// Job records: input stored in parts and read back exactly, idempotent creation, one running job per lock key,
// a silent runner's job taken up again, and the state transitions people may ask for.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelJob, claimJob, confirmJob, createJob, finishJob, jobInputFiles, retryJob, type NewJob } from '../../gateway/store/jobs.js';
import { IdempotencyConflict, JobStateConflict } from '../../gateway/store/job-errors.js';
import { openTestStore } from '../support/store.js';

const store = await openTestStore('jobs');
afterAll(() => store.close());

const spec = (overrides: Partial<NewJob> = {}): NewJob => ({
  connector: 'onde', mode: 'complete', uai: '0691234S', lockKey: '0691234S', submittedBy: 'client-a', idempotencyKey: null,
  options: { lenientIdentifiers: false, confirmed: false }, ...overrides,
});
const file = (name: string, bytes: Buffer) => ({ name, open: async function* () { for (let i = 0; i < bytes.length; i += 100_000) yield bytes.subarray(i, i + 100_000); } });
const create = (overrides: Partial<NewJob> = {}, bytes = Buffer.from('a;b\r\n')) => createJob(store.db, spec(overrides), [file('eleves.csv', bytes)], () => 1);

async function read(iterable: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of iterable) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

describe('job records', () => {
  it('stores input of several files in parts and reads it back byte for byte', async () => {
    const big = randomBytes(2_500_000);
    const { job } = await createJob(store.db, spec(), [file('a.xml', big), file('b.xml', Buffer.from('<x/>'))], (n) => (n > 1_000_000 ? 7 : 1));
    expect(Number(job.input_size)).toBe(big.length + 4);
    expect(job.priority).toBe(7);
    const files = await jobInputFiles(store.db, job.id);
    expect(files.map((f) => [f.name, f.size])).toEqual([['a.xml', big.length], ['b.xml', 4]]);
    expect((await read(files[0].open())).equals(big)).toBe(true);
    expect((await read(files[1].open())).toString()).toBe('<x/>');
  });

  it('returns the first job for a repeated idempotency key, and refuses the key for another request', async () => {
    const first = await create({ idempotencyKey: 'k1' });
    const again = await create({ idempotencyKey: 'k1' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ job: first.job, created: false });
    await expect(create({ idempotencyKey: 'k1' }, Buffer.from('other'))).rejects.toBeInstanceOf(IdempotencyConflict);
    expect((await create({ idempotencyKey: 'k1', submittedBy: 'client-b' })).created).toBe(true);
  });

  it('runs one job per lock key at a time, and takes up a running job only once its runner is silent', async () => {
    const a = (await create({ lockKey: 'lock-1' })).job;
    const b = (await create({ lockKey: 'lock-1' })).job;
    expect('claimed' in (await claimJob(store.db, a.id, 30))).toBe(true);
    expect(await claimJob(store.db, b.id, 30)).toEqual({ busy: true });
    expect(await claimJob(store.db, a.id, 30)).toEqual({ busy: true }); // its runner is alive
    await sql`update sync_job set updated_at = now() - interval '1 minute' where id = ${a.id}`.execute(store.db);
    const again = await claimJob(store.db, a.id, 30);
    expect('claimed' in again && again.claimed.attempts).toBe(2);
    await finishJob(store.db, a.id, { state: 'completed', problems: [] });
    expect('claimed' in (await claimJob(store.db, b.id, 30))).toBe(true);
    expect(await claimJob(store.db, a.id, 30)).toEqual({ gone: 'completed' });
  });

  it('keeps the input of failed and held jobs for a retry or a confirmation, and drops it once done', async () => {
    const held = (await create({ lockKey: 'lock-2' })).job;
    await claimJob(store.db, held.id, 30);
    await finishJob(store.db, held.id, { state: 'held', problems: [{ file: 'eleves.csv', line: 3, field: 'INE', code: 'invalid-record', severity: 'error', detail: 'x' }] });
    await expect(retryJob(store.db, held.id)).rejects.toBeInstanceOf(JobStateConflict);
    const confirmed = await confirmJob(store.db, held.id);
    expect(confirmed).toMatchObject({ state: 'queued', options: { confirmed: true } });
    await claimJob(store.db, held.id, 30);
    await finishJob(store.db, held.id, { state: 'completed', problems: [] });
    expect(await jobInputFiles(store.db, held.id)).toEqual([]);
    const problems = await store.db.selectFrom('sync_job_problem').select('n').where('job_id', '=', held.id).execute();
    expect(problems).toEqual([]);
  });

  it('cancels a queued job at once and a running one at its next report', async () => {
    const queued = (await create({ lockKey: 'lock-3' })).job;
    expect(await cancelJob(store.db, queued.id)).toMatchObject({ state: 'cancelled' });
    expect(await claimJob(store.db, queued.id, 30)).toEqual({ gone: 'cancelled' });
    const running = (await create({ lockKey: 'lock-4' })).job;
    await claimJob(store.db, running.id, 30);
    expect(await cancelJob(store.db, running.id)).toMatchObject({ state: 'running', cancel_requested: true });
    await expect(cancelJob(store.db, queued.id)).rejects.toThrow(/is cancelled: only a job that is queued or held or running can be cancelled/);
  });
});
