// The sync configuration's schedules: pulls take the files waiting at a source into an import job; scheduled
// pushes queue an export job per establishment they cover. A pulled file is acknowledged (moved aside at the
// source) once its job is recorded: the job holds its bytes from then on, so nothing is lost and nothing is
// taken twice. With Redis, BullMQ's job schedulers fire them (one firing across all workers); without, timers in
// the gateway process.
import { createHash } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { CronExpressionParser } from 'cron-parser';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { PullConfig, PushConfig, Schedule, SyncConfig } from '../../config/sync-config.js';
import { activeEstablishmentsCovered } from '../../store/establishment-places.js';
import { OPERATOR } from '../../store/jobs.js';
import type { Database, SyncJobRow } from '../../store/tables.js';
import { createSource } from '../transport/endpoints.js';
import { exportJob } from './run-export.js';
import type { JobSubmitter } from './job-submitter.js';

/** Runs one pull: the job it queued, or none when nothing waited. */
export async function runPull(jobs: JobSubmitter, pull: PullConfig): Promise<SyncJobRow | undefined> {
  const source = createSource(pull.source);
  const waiting = await source.list();
  if (waiting.length === 0) return undefined;
  const fetched = await source.fetch(waiting);
  try {
    const uai = pull.for.kind === 'uai' ? pull.for.code : null;
    // The same files (names, sizes, times) pulled again after a crash before acknowledging are the same job.
    const delivery = createHash('sha256').update(JSON.stringify(waiting.map((f) => [f.name, f.size, f.modifiedAt.getTime()]))).digest('hex').slice(0, 32);
    const { job } = await jobs.submit({
      connector: pull.connector, mode: pull.mode, uai, lockKey: uai ?? pull.connector,
      options: { lenientIdentifiers: false, confirmed: false, inputName: waiting.length === 1 ? waiting[0].name : `${pull.id} (${waiting.length} files)` },
      submittedBy: OPERATOR, idempotencyKey: `pull:${pull.id}:${delivery}`,
    }, fetched.files);
    await source.acknowledge(waiting);
    return job;
  } finally {
    await fetched.release();
  }
}

/** Runs one scheduled push: an export job for each active establishment it covers. */
export async function runScheduledPush(db: Kysely<Database>, jobs: JobSubmitter, push: PushConfig): Promise<SyncJobRow[]> {
  const queued: SyncJobRow[] = [];
  for (const uai of await activeEstablishmentsCovered(db, [push.for])) {
    queued.push((await jobs.submit(exportJob(push.connector, uai, OPERATOR), [])).job);
  }
  return queued;
}

type Firing = { kind: 'pull'; id: string } | { kind: 'push'; id: string };

function fire(db: Kysely<Database>, jobs: JobSubmitter, config: SyncConfig, firing: Firing): Promise<unknown> {
  if (firing.kind === 'pull') {
    const pull = config.pulls.find((p) => p.id === firing.id);
    return pull ? runPull(jobs, pull) : Promise.resolve();
  }
  const push = config.pushes.find((p) => p.id === firing.id);
  return push ? runScheduledPush(db, jobs, push) : Promise.resolve();
}

function firings(config: SyncConfig): { firing: Firing; schedule: Schedule }[] {
  return [
    ...config.pulls.map((p) => ({ firing: { kind: 'pull' as const, id: p.id }, schedule: p.schedule })),
    ...config.pushes.filter((p) => p.schedule).map((p) => ({ firing: { kind: 'push' as const, id: p.id }, schedule: p.schedule! })),
  ];
}

export interface Schedules {
  close(): Promise<void>;
}

/** Without Redis: one timer per schedule in this process. */
export function startLocalSchedules(db: Kysely<Database>, jobs: JobSubmitter, config: SyncConfig, logger: Logger): Schedules {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const nextDelay = (schedule: Schedule) => schedule.kind === 'interval'
    ? schedule.milliseconds
    : CronExpressionParser.parse(schedule.expression, { tz: schedule.timezone }).next().getTime() - Date.now();
  const arm = (firing: Firing, schedule: Schedule) => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fire(db, jobs, config, firing)
        .catch((err: unknown) => logger.error({ err, ...firing }, 'scheduled sync failed'))
        .finally(() => arm(firing, schedule));
    }, Math.max(0, nextDelay(schedule)));
    timers.add(timer);
  };
  for (const { firing, schedule } of firings(config)) arm(firing, schedule);
  return { close: async () => { closed = true; for (const t of timers) clearTimeout(t); } };
}

const SCHEDULE_QUEUE = 'schedule';

/** With Redis: BullMQ job schedulers (each firing runs once, on one worker), and the worker that runs them. */
export async function startBullmqSchedules(
  connection: ConnectionOptions,
  prefix: string,
  db: Kysely<Database>,
  jobs: JobSubmitter,
  config: SyncConfig,
  logger: Logger,
): Promise<Schedules> {
  const queue = new Queue(SCHEDULE_QUEUE, { connection, prefix });
  const wanted = firings(config);
  const ids = new Set(wanted.map(({ firing }) => `${firing.kind}:${firing.id}`));
  for (const scheduler of await queue.getJobSchedulers()) {
    if (scheduler.key && !ids.has(scheduler.key)) await queue.removeJobScheduler(scheduler.key);
  }
  for (const { firing, schedule } of wanted) {
    await queue.upsertJobScheduler(`${firing.kind}:${firing.id}`,
      schedule.kind === 'interval' ? { every: schedule.milliseconds } : { pattern: schedule.expression, tz: schedule.timezone },
      { name: firing.kind, data: firing, opts: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 100, removeOnFail: 500 } });
  }
  const worker = new Worker(SCHEDULE_QUEUE, async (job) => {
    await fire(db, jobs, config, job.data as Firing);
  }, { connection, prefix, concurrency: 1 });
  worker.on('failed', (job, err) => logger.error({ err, firing: job?.data }, 'scheduled sync failed'));
  return { close: async () => { await worker.close(); await queue.close(); } };
}
