// The in-process runner of the embedded default: the same handler as BullMQ workers, with the same priorities,
// bulk-slot rule, busy delay and retries, in memory. Jobs left queued or running by a process that stopped
// are taken up again at start from their records.
import type { Logger } from 'pino';
import { BUSY_DELAY_MS, isBulk, RETRY, type JobHandler, type JobQueue, type WorkerOptions } from './queue.js';

interface Waiting {
  id: string;
  priority: number;
  attempt: number;
  order: number;
}

export class LocalJobQueue implements JobQueue {
  #waiting: Waiting[] = [];
  #running = new Map<string, { bulk: boolean; done: Promise<void> }>();
  #timers = new Set<NodeJS.Timeout>();
  #order = 0;
  #closed = false;

  constructor(
    private readonly handler: JobHandler,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {}

  async enqueue(job: { id: string; priority: number }): Promise<void> {
    this.#put({ id: job.id, priority: job.priority, attempt: 1, order: 0 });
  }

  #put(entry: Waiting): void {
    if (this.#closed || this.#running.has(entry.id) || this.#waiting.some((w) => w.id === entry.id)) return;
    this.#waiting.push({ ...entry, order: (this.#order += 1) });
    this.#waiting.sort((a, b) => a.priority - b.priority || a.order - b.order);
    this.#pump();
  }

  #later(entry: Waiting, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#put(entry);
    }, delayMs);
    this.#timers.add(timer);
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.options.concurrency) {
      const bulkRunning = [...this.#running.values()].filter((r) => r.bulk).length;
      const bulkAllowed = this.options.concurrency === 1 || bulkRunning < this.options.concurrency - 1;
      const index = this.#waiting.findIndex((w) => bulkAllowed || !isBulk(w.priority));
      if (index < 0) return;
      const [entry] = this.#waiting.splice(index, 1);
      const done = this.#run(entry).finally(() => {
        this.#running.delete(entry.id);
        this.#pump();
      });
      this.#running.set(entry.id, { bulk: isBulk(entry.priority), done });
    }
  }

  async #run(entry: Waiting): Promise<void> {
    try {
      const outcome = await this.handler(entry.id, { number: entry.attempt, last: entry.attempt >= RETRY.attempts });
      if (outcome === 'busy') this.#later(entry, BUSY_DELAY_MS);
    } catch (error) {
      // The handler recorded the failure and put the job back in line: retry after a backoff.
      const delay = RETRY.delayMs * 2 ** (entry.attempt - 1);
      this.logger.warn({ err: error, jobId: entry.id, attempt: entry.attempt, retryInMs: delay }, 'sync job failed transiently; retrying');
      this.#later({ ...entry, attempt: entry.attempt + 1 }, delay);
    }
  }

  /** Stops taking jobs and waits for those running; jobs still waiting stay queued in their records. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting = [];
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }
}
