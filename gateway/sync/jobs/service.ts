// Sync jobs as the API and the command line use them: submit (record and put in line), cancel, retry and
// confirm; the same whichever backend runs them.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { loadSyncConfig, type SyncConfig } from '../../config/sync-config.js';
import {
  cancelJob, confirmJob, createJob, finishJob, findJob, retryJob, unfinishedJobs,
  type InputFile, type NewJob,
} from '../../store/jobs.js';
import type { Database, SyncJobRow } from '../../store/tables.js';
import { BullmqJobQueue, connectionOf, startBullmqWorker } from './bullmq-queue.js';
import { startBullmqSchedules } from './schedules.js';
import { IMPORTER_NAMES } from '../importers.js';
import { EXPORTERS } from './run-export.js';
import { LocalJobQueue } from './local-queue.js';
import { priorityOf, type JobQueue } from './queue.js';
import { jobHandler, type HandlerSettings } from './handler.js';
import { activeTraceparent } from '../../observability/spans.js';
import type { JobSubmitter } from './job-submitter.js';

export class SyncJobs implements JobSubmitter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: JobQueue,
    /** Whether jobs run in this process (no Redis) rather than in `passerelle worker` processes. */
    readonly inProcess: boolean,
  ) {}

  async submit(job: NewJob, files: InputFile[]): Promise<{ job: SyncJobRow; created: boolean }> {
    // The trace travels in the record, as the request id does: to whichever process runs the job.
    const result = await createJob(this.db, { ...job, options: { ...job.options, ...activeTraceparent() } }, files, priorityOf);
    if (result.created) await this.queue.enqueue({ id: result.job.id, priority: result.job.priority });
    return result;
  }

  cancel(id: string): Promise<SyncJobRow | undefined> {
    return cancelJob(this.db, id);
  }

  async retry(id: string): Promise<SyncJobRow | undefined> {
    return this.#requeued(await retryJob(this.db, id));
  }

  async confirm(id: string): Promise<SyncJobRow | undefined> {
    return this.#requeued(await confirmJob(this.db, id));
  }

  async #requeued(job: SyncJobRow | undefined): Promise<SyncJobRow | undefined> {
    if (job) await this.queue.enqueue({ id: job.id, priority: job.priority });
    return job;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

function handlerSettings(config: Config, syncConfig: SyncConfig | undefined): HandlerSettings {
  return { staleAfterSeconds: config.jobLockSeconds, syncConfig, unpack: { maxBytes: config.maxExpandedBytes, maxRatio: config.maxExpansionRatio } };
}

/**
 * With Redis, a BullMQ queue (workers run apart); without, the in-process runner. `resume`: the runner also
 * takes up the jobs a stopped process left unfinished (the server does; a one-off command does not).
 */
export async function openSyncJobs(
  config: Config,
  db: Kysely<Database>,
  logger: Logger,
  options: { resume: boolean; syncConfig?: SyncConfig },
): Promise<SyncJobs> {
  if (config.redisUrl) {
    return new SyncJobs(db, new BullmqJobQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix }), false);
  }
  const queue = new LocalJobQueue(jobHandler(db, logger, handlerSettings(config, options.syncConfig)), { concurrency: config.workerConcurrency }, logger);
  if (options.resume) {
    for (const job of await unfinishedJobs(db)) await queue.enqueue({ id: job.id, priority: job.priority });
  }
  return new SyncJobs(db, queue, true);
}

/** The sync configuration the gateway and workers run by, with connector names checked against ours. */
export function loadSyncSettings(env: NodeJS.ProcessEnv = process.env): SyncConfig | undefined {
  return loadSyncConfig(env, { connectors: { pull: IMPORTER_NAMES, push: EXPORTERS } });
}

/**
 * `passerelle worker`: runs the BullMQ queue's jobs until closed, and with a sync configuration fires its
 * schedules (BullMQ runs each firing on one worker only, however many there are).
 */
export async function startSyncWorker(config: Config, db: Kysely<Database>, logger: Logger, syncConfig?: SyncConfig): Promise<{ close(): Promise<void> }> {
  if (!config.redisUrl) throw new Error('a worker needs REDIS_URL: without Redis, jobs run inside `passerelle serve` and `passerelle import`');
  const settings = { redisUrl: config.redisUrl, prefix: config.queuePrefix };
  const worker = runBullmqJobs(config, db, logger, syncConfig);
  if (!syncConfig) return worker;
  const jobs = new SyncJobs(db, new BullmqJobQueue(settings), false);
  const schedules = await startBullmqSchedules(connectionOf(settings), config.queuePrefix, db, jobs, syncConfig, logger);
  return { close: async () => { await schedules.close(); await jobs.close(); await worker.close(); } };
}

function runBullmqJobs(config: Config, db: Kysely<Database>, logger: Logger, syncConfig?: SyncConfig): { close(): Promise<void> } {
  return startBullmqWorker({ redisUrl: config.redisUrl!, prefix: config.queuePrefix }, jobHandler(db, logger, handlerSettings(config, syncConfig)), {
    concurrency: config.workerConcurrency,
    lockMs: config.jobLockSeconds * 1000,
    onAbandoned: async (jobId, reason) => {
      const job = await findJob(db, jobId);
      if (job && (job.state === 'running' || job.state === 'queued')) {
        await finishJob(db, jobId, { state: 'failed', error: `the job was given up: ${reason}`, problems: [] });
      }
    },
  }, logger);
}
