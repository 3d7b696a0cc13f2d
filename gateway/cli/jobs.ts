// `passerelle jobs`: the sync jobs, as operators follow them: list, show (with the report), and cancel,
// retry or confirm, the same actions as the API.
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config.js';
import { commandLogger } from '../observability/logger.js';
import { findJob, JOB_STATES, listJobs, type JobState } from '../store/jobs.js';
import { JobStateConflict } from '../store/job-errors.js';
import type { ImportCounts } from '../sync/import-counts.js';
import { jobView } from '../sync/jobs/job-view.js';
import { openSyncJobs } from '../sync/jobs/service.js';
import { fail, withStore } from './context.js';
import { exitCodeOf, printJob } from './job-output.js';
import { followJob } from './follow-job.js';
import { outputTable } from './table.js';

function state(value: string): JobState {
  if (!(JOB_STATES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${JOB_STATES.join(', ')}`);
  return value as JobState;
}

function jobId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('expected a job id (a UUID, as `passerelle jobs list` shows)');
  return value.toLowerCase();
}

export function jobsCommand(): Command {
  const command = new Command('jobs').description('Follow and act on sync jobs (reads DATABASE_URL and REDIS_URL like the server).');

  command
    .command('list')
    .description('List jobs, newest first.')
    .option('--state <state>', `only jobs in this state (${JOB_STATES.join(', ')})`, state)
    .option('--connector <name>', 'only jobs of this connector')
    .option('--uai <uai>', 'only jobs of this establishment')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'the jobs as one JSON array')
    .action(async (options: { state?: JobState; connector?: string; uai?: string; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) fail(`--limit ${options.limit}: expected a positive integer`);
      const rows = await withStore((store) => listJobs(store.db, { state: options.state, connector: options.connector, uai: options.uai?.toUpperCase() }, limit));
      if (options.json) {
        process.stdout.write(JSON.stringify(rows.map((row) => jobView(row))) + '\n');
        return;
      }
      const table = outputTable(['id', 'submitted', 'kind', 'connector', 'mode', 'uai', 'state', 'created', 'updated', 'deleted', 'rejected', 'errors', 'warnings']);
      for (const row of rows) {
        const c = row.counts as ImportCounts | null;
        table.push([row.id, new Date(row.created_at).toISOString().slice(0, 19).replace('T', ' '), row.kind, row.connector, row.mode, row.uai ?? '', row.state, c?.created ?? '', c?.updated ?? '', c?.deleted ?? '', c?.rejected ?? '', row.error_count, row.warning_count]);
      }
      process.stdout.write(table.toString() + '\n');
    });

  command
    .command('show')
    .description('Show a job: its state, counts per establishment, its errors counted by code with the first few, and its warnings counted.')
    .argument('<id>', 'the job id', jobId)
    .option('--all', 'list every error and warning')
    .option('--json', 'the job as one JSON object, with its problems')
    .action(async (id: string, options: { all?: boolean; json?: boolean }) => {
      await withStore(async (store) => {
        const job = await findJob(store.db, id);
        if (!job) fail(`no job ${id}`);
        await printJob(store.db, job, { json: options.json ?? false, allProblems: options.all });
      });
    });

  const action = (name: 'cancel' | 'retry' | 'confirm', description: string) =>
    command
      .command(name)
      .description(description)
      .argument('<id>', 'the job id', jobId)
      .option('--no-wait', 'return once the job is queued again, without waiting for it to finish')
      .option('--json', 'print the job as one JSON object')
      .action(async (id: string, options: { wait: boolean; json?: boolean }, self: Command) => {
        const config = loadConfig();
        await withStore(async (store) => {
          const jobs = await openSyncJobs(config, store.db, commandLogger(config.logLevel, self.optsWithGlobals().verbose === true), { resume: false });
          try {
            const job = await jobs[name](id).catch((error: unknown) => {
              if (error instanceof JobStateConflict) fail(error.message, 1);
              throw error;
            });
            if (!job) fail(`no job ${id}`);
            const settled = name === 'cancel' || !options.wait ? job : await followJob(store.db, job, { quiet: options.json ?? false, inProcess: jobs.inProcess });
            await printJob(store.db, settled, { json: options.json ?? false });
            if (name !== 'cancel') process.exitCode = exitCodeOf(settled);
          } finally {
            await jobs.close();
          }
        }, config);
      });
  action('cancel', 'Cancel a queued or held job now, or a running one before it writes.');
  action('retry', 'Run a failed job again, on the same input.');
  action('confirm', 'Apply a held import, deletions included (check what it would delete first: passerelle jobs show ID).');
  return command;
}
