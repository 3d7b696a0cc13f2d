// Fair scheduling, the same on both backends: a small job runs beside a big one instead of waiting behind it,
// big jobs never take a worker's last slot, a busy lock delays a job without failing it, and a transient
// failure is retried. The handler here is a recorder; the backends are the real ones (BullMQ on Redis).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { startBullmqWorker, BullmqJobQueue } from '../../gateway/sync/jobs/bullmq-queue.js';
import { LocalJobQueue } from '../../gateway/sync/jobs/local-queue.js';
import { priorityOf, type JobHandler, type JobQueue } from '../../gateway/sync/jobs/queue.js';
import { isTransient } from '../../gateway/sync/jobs/transient.js';
import { TEST_REDIS_URL, uniqueSchema } from '../support/database.js';

const logger = createLogger('silent');
const SMALL = priorityOf(10_000);
const BIG = priorityOf(500 * 1024 * 1024);

/** A handler whose jobs run until released, recording when each starts and ends. */
function recorder(behaviour: (id: string, attempt: number) => 'busy' | 'fail' | 'run' = () => 'run') {
  const events: string[] = [];
  const releases = new Map<string, () => void>();
  const handler: JobHandler = async (id, attempt) => {
    const what = behaviour(id, attempt.number);
    if (what === 'busy') return 'busy';
    if (what === 'fail') throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    events.push(`start ${id}`);
    await new Promise<void>((resolve) => releases.set(id, resolve));
    events.push(`end ${id}`);
    return 'finished';
  };
  return { handler, events, release: (id: string) => releases.get(id)?.(), running: (id: string) => releases.has(id) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 20_000; Date.now() < end;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

type Backend = (handler: JobHandler) => { queue: JobQueue; close(): Promise<void> };

const backends: Record<string, Backend> = {
  'in process': (handler) => {
    const queue = new LocalJobQueue(handler, { concurrency: 2 }, logger);
    return { queue, close: () => queue.close() };
  },
  'BullMQ': (handler) => {
    const settings = { redisUrl: TEST_REDIS_URL, prefix: uniqueSchema('sched') };
    const queue = new BullmqJobQueue(settings);
    const worker = startBullmqWorker(settings, handler, { concurrency: 2, lockMs: 30_000, onAbandoned: async () => undefined }, logger);
    return { queue, close: async () => { await worker.close(); await queue.close(); } };
  },
};

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
});

describe.each(Object.entries(backends))('%s', (_name, open) => {
  it('runs a small job beside a big one, and a second big one only when the first is done', async () => {
    const r = recorder();
    const backend = open(r.handler);
    opened.push(backend);
    await backend.queue.enqueue({ id: 'academie-1', priority: BIG });
    await until(() => r.running('academie-1'), 'the first big job starts');
    await backend.queue.enqueue({ id: 'academie-2', priority: BIG });
    await backend.queue.enqueue({ id: 'college-delta', priority: SMALL });
    await until(() => r.running('college-delta'), 'the small job starts');
    r.release('college-delta');
    await until(() => r.events.includes('end college-delta'), 'the small job ends');
    expect(r.running('academie-2')).toBe(false);
    r.release('academie-1');
    await until(() => r.running('academie-2'), 'the second big job starts');
    r.release('academie-2');
    await until(() => r.events.includes('end academie-2'), 'the second big job ends');
    expect(r.events).toEqual(['start academie-1', 'start college-delta', 'end college-delta', 'end academie-1', 'start academie-2', 'end academie-2']);
  }, 30_000);

  it('looks again at a job whose lock is taken, without failing it', async () => {
    let busyTimes = 2;
    const r = recorder(() => (busyTimes-- > 0 ? 'busy' : 'run'));
    const backend = open(r.handler);
    opened.push(backend);
    await backend.queue.enqueue({ id: 'same-school', priority: SMALL });
    await until(() => r.running('same-school'), 'the job runs once its lock is free');
    r.release('same-school');
    await until(() => r.events.includes('end same-school'), 'it ends');
  }, 30_000);
});

describe('retries', () => {
  it('runs a job again after a transient failure, with the next attempt number', async () => {
    const attempts: number[] = [];
    const r = recorder((_id, attempt) => {
      attempts.push(attempt);
      return attempt === 1 ? 'fail' : 'run';
    });
    const queue = new LocalJobQueue(r.handler, { concurrency: 1 }, logger);
    opened.push(queue);
    await queue.enqueue({ id: 'flaky', priority: SMALL });
    await until(() => r.running('flaky'), 'the second attempt runs');
    r.release('flaky');
    expect(attempts).toEqual([1, 2]);
  }, 30_000);

  it('tells transient failures (store or network away) from the others', () => {
    expect(isTransient(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('could not serialize access'), { code: '40001' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
  });

  it('gives small inputs the first priorities and big ones bulk priorities', () => {
    expect(priorityOf(0)).toBe(1);
    expect(priorityOf(256 * 1024)).toBe(1);
    expect(priorityOf(300 * 1024)).toBe(2);
    expect(priorityOf(64 * 1024 * 1024)).toBe(9);
    expect(priorityOf(1e12)).toBe(20);
  });
});
