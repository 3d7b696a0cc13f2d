// Waiting for a job on the command line: a progress bar on a terminal while it runs, which follows the job's
// progress (bytes read, then establishments written when the import says so; an export's pushes) and ends at
// 100% when the job completes; and a word when no worker seems to take it.
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

export interface FollowOptions {
  quiet: boolean;
  inProcess: boolean;
  /** Where the bar and hints go (standard error); the bar only on a terminal. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function followJob(db: Kysely<Database>, job: SyncJobRow, options: FollowOptions): Promise<SyncJobRow> {
  const stream = options.stream ?? process.stderr;
  const bar = !options.quiet && stream.isTTY
    ? new cliProgress.SingleBar({ stream, format: '{bar} {percentage}% | {stage}', hideCursor: true }, cliProgress.Presets.shades_classic)
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
      if (isSettled(current)) {
        // A completed job did all its work, whatever the last progress it had time to tell.
        if (current.state === 'completed' || current.state === 'completed-with-errors') bar?.update(bar.getTotal(), { stage: current.state });
        else bar?.update({ stage: current.state });
        return current;
      }
      const progress = current.progress as Progress | null;
      if (progress && bar) {
        // Without a total (an export reading records) the share is unknown: the stage says what is done.
        if (!progress.total) bar.update({ stage: progress.stage });
        else {
          if (progress.total !== bar.getTotal()) bar.setTotal(progress.total);
          bar.update(Math.min(progress.done, progress.total), { stage: progress.stage });
        }
      }
      if (!options.inProcess && !options.quiet && !hinted && current.state === 'queued' && Date.now() - since > NO_WORKER_HINT_MS) {
        hinted = true;
        stream.write(`\njob ${job.id} is still queued: is a worker running (passerelle worker, same REDIS_URL and QUEUE_PREFIX)?\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}
