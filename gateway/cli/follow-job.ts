// Waiting for a job on the command line: a progress bar on a terminal while it runs, and a word when no
// worker seems to take it.
import cliProgress from 'cli-progress';
import type { Kysely } from 'kysely';
import { findJob } from '../store/jobs.js';
import type { Database, SyncJobRow } from '../store/tables.js';
import { isSettled } from '../sync/jobs/job-view.js';

const POLL_MS = 250;
const NO_WORKER_HINT_MS = 10_000;

interface Progress {
  stage: string;
  done: number;
  total?: number;
}

export async function followJob(db: Kysely<Database>, job: SyncJobRow, options: { quiet: boolean; inProcess: boolean }): Promise<SyncJobRow> {
  const bar = !options.quiet && process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: '{bar} {percentage}% | {stage}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(Number(job.input_size) || 1, 0, { stage: 'queued' });
  const since = Date.now();
  let hinted = false;
  let current = job;
  try {
    for (;;) {
      const found = await findJob(db, job.id);
      if (!found) throw new Error(`job ${job.id} disappeared`);
      current = found;
      if (isSettled(current)) return current;
      const progress = current.progress as Progress | null;
      if (progress) bar?.update(Math.min(progress.done, progress.total ?? progress.done), { stage: progress.stage });
      if (!options.inProcess && !options.quiet && !hinted && current.state === 'queued' && Date.now() - since > NO_WORKER_HINT_MS) {
        hinted = true;
        process.stderr.write(`\njob ${job.id} is still queued: is a worker running (passerelle worker, same REDIS_URL and QUEUE_PREFIX)?\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}
