// The progress bar of `passerelle import` on a terminal: it follows the job's progress as the runner tells it
// (bytes read, then establishments written in their own count), and ends at 100% when the job completes, even
// when the last progress told was short of it. Drawn on a stand-in terminal, the job driven by hand.
import { PassThrough } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { followJob } from '../../gateway/cli/follow-job.js';
import { claimJob, createJob, finishJob, heartbeat } from '../../gateway/store/jobs.js';
import { openTestStore } from '../support/store.js';

const store = await openTestStore('follow_job');
afterAll(() => store.close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('moves with the work and ends at 100%', async () => {
  const { job } = await createJob(store.db, {
    connector: 'aaf', mode: 'complete', uai: null, lockKey: 'aaf', submittedBy: 'operator', idempotencyKey: null,
    options: { lenientIdentifiers: false, confirmed: false },
  }, [{ name: 'delivery.xml', open: async function* () { yield Buffer.alloc(1000); } }], () => 1);
  expect('claimed' in (await claimJob(store.db, job.id, 30))).toBe(true);

  const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let drawn = '';
  terminal.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
  const followed = followJob(store.db, job, { quiet: false, inProcess: true, stream: terminal });

  for (const progress of [
    { stage: 'reading delivery.xml', done: 250, total: 1000, unit: 'bytes' },
    { stage: 'reading delivery.xml', done: 500, total: 1000, unit: 'bytes' },
    { stage: 'spooling', done: 900 }, // no total: the share stays, the stage changes
    { stage: 'writing 0691234S', done: 1, total: 4 },
    { stage: 'writing 0691235A', done: 3, total: 4 },
  ]) {
    await heartbeat(store.db, job.id, progress);
    await pause(700); // the bar polls every 250 ms and draws at most every 100 ms
  }
  await finishJob(store.db, job.id, { state: 'completed', counts: {}, problems: [] });
  expect((await followed).state).toBe('completed');

  const shown = [...drawn.matchAll(/(\d+)% \| ([^\u001b\r\n]*)/g)].map((m) => `${m[1]}% ${m[2].trim()}`);
  const distinct = shown.filter((s, i) => s !== shown[i - 1]);
  expect(distinct).toEqual(['0% queued', '25% reading delivery.xml', '50% reading delivery.xml', '50% spooling', '25% writing 0691234S', '75% writing 0691235A', '100% completed']);
});
