// BullMQ on Redis: the queue `serve` and the command line put job ids in, and the workers `passerelle worker`
// runs. BullMQ gives retries with exponential backoff, priorities, and the lock that lets another worker take
// up a job whose worker died (SIGKILL) once the lock expires. The job record in PostgreSQL stays the truth.
import { DelayedError, Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { BUSY_DELAY_MS, isBulk, RETRY, type JobHandler, type JobQueue, type WorkerOptions } from './queue.js';

export const IMPORT_QUEUE = 'import';

export interface BullmqSettings {
  redisUrl: string;
  /** Key prefix in Redis: one per deployment (and per test suite). */
  prefix: string;
}

export function connectionOf(settings: BullmqSettings): ConnectionOptions {
  const url = new URL(settings.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // Workers block on Redis: ioredis must not give up on a command that waits (BullMQ's requirement).
    maxRetriesPerRequest: null,
  };
}

export class BullmqJobQueue implements JobQueue {
  readonly #queue: Queue;

  constructor(settings: BullmqSettings) {
    this.#queue = new Queue(IMPORT_QUEUE, { connection: connectionOf(settings), prefix: settings.prefix });
  }

  async enqueue(job: { id: string; priority: number }): Promise<void> {
    // A retried or confirmed job reuses its id: the finished BullMQ job of its previous run makes way.
    await this.#queue.remove(job.id).catch(() => undefined);
    await this.#queue.add(IMPORT_QUEUE, { id: job.id }, {
      jobId: job.id,
      priority: job.priority,
      attempts: RETRY.attempts,
      backoff: { type: 'exponential', delay: RETRY.delayMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}

export interface BullmqWorkerOptions extends WorkerOptions {
  /** How long a worker's hold on a job lasts without renewal: a killed worker's job runs again after this. */
  lockMs: number;
  /** Called when BullMQ gives a job up without the handler (stalled too often). */
  onAbandoned: (jobId: string, reason: string) => Promise<void>;
}

export function startBullmqWorker(settings: BullmqSettings, handler: JobHandler, options: BullmqWorkerOptions, logger: Logger): { close(): Promise<void> } {
  let bulkRunning = 0;
  const worker = new Worker(IMPORT_QUEUE, async (job, token) => {
    const bulk = isBulk(job.priority);
    const bulkAllowed = options.concurrency === 1 || bulkRunning < options.concurrency - 1;
    if (bulk && !bulkAllowed) {
      await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
      throw new DelayedError();
    }
    if (bulk) bulkRunning += 1;
    try {
      const attemptsAllowed = job.opts.attempts ?? 1;
      const outcome = await handler(job.data.id as string, { number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= attemptsAllowed });
      if (outcome === 'busy') {
        await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
        throw new DelayedError();
      }
    } finally {
      if (bulk) bulkRunning -= 1;
    }
  }, {
    connection: connectionOf(settings),
    prefix: settings.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: 2,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    logger.warn({ jobId: job.id, attempt: job.attemptsMade, err: error }, 'sync job attempt failed');
    if (job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(error.message)) {
      options.onAbandoned(job.data.id as string, error.message).catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not record an abandoned job'));
    }
  });
  worker.on('error', (error) => logger.error({ err: error }, 'BullMQ worker error'));
  return { close: () => worker.close() };
}
