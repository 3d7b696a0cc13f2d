// The handler every backend runs: claims the job, keeps its record alive while it runs, runs it as its kind
// says (import or export) and records the outcome. Bad input and bugs fail the job at once with its report; a
// transient failure (store or network away) puts it back in line for the backend to retry, until the last
// attempt records it failed. Each run is a span, a child of the request's that submitted the job (tracing on).
import { SpanKind } from '@opentelemetry/api';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SyncConfig } from '../../config/sync-config.js';
import { claimJob, finishJob, heartbeat, requeueAfterFailure, type JobOptions } from '../../store/jobs.js';
import type { Database } from '../../store/tables.js';
import { inSpanOf, recordFailure } from '../../observability/spans.js';
import type { JobRun } from './job-run.js';
import type { HandlerOutcome, JobHandler } from './queue.js';
import { runExport } from './run-export.js';
import type { UnpackLimits } from './input.js';
import { runImport } from './run-import.js';
import { isTransient } from './transient.js';

export interface HandlerSettings {
  /**
   * How long a running job's runner may stay silent before the job counts as abandoned and another runner
   * takes it up; runners beat three times as often.
   */
  staleAfterSeconds: number;
  /** Where exports are pushed (absent: no sync configuration). */
  syncConfig: SyncConfig | undefined;
  /** What an import's archives may expand to. */
  unpack: UnpackLimits;
}

/**
 * The longest a running job goes without asking whether it was cancelled, whatever the lock's length: a job
 * busy unpacking (which reports no progress) still stops within seconds.
 */
const CANCEL_CHECK_MS = 2000;

export function jobHandler(db: Kysely<Database>, logger: Logger, settings: HandlerSettings): JobHandler {
  return async (jobId, attempt) => {
    const claim = await claimJob(db, jobId, settings.staleAfterSeconds);
    if ('busy' in claim) return 'busy';
    if ('gone' in claim) return 'finished';
    const job = claim.claimed;
    const { requestId, traceparent } = job.options as JobOptions;
    const log = logger.child({ jobId, kind: job.kind, connector: job.connector, uai: job.uai, attempt: attempt.number, ...(requestId ? { requestId } : {}) });
    const attributes = { 'passerelle.job.id': jobId, 'passerelle.job.kind': job.kind, 'passerelle.job.connector': job.connector, 'passerelle.job.attempt': attempt.number };
    return inSpanOf<HandlerOutcome>(traceparent, `sync job ${job.kind}`, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
      log.info('sync job started');
      const cancel = new AbortController();
      const run: JobRun = {
        signal: cancel.signal,
        pulse: (progress) => heartbeat(db, jobId, progress).then((cancelled) => { if (cancelled) cancel.abort(new Error('cancelled')); }, () => undefined),
      };
      const beat = setInterval(() => void run.pulse(), Math.min((settings.staleAfterSeconds * 1000) / 3, CANCEL_CHECK_MS));
      try {
        const result = job.kind === 'export' ? await runExport(db, job, settings.syncConfig, run) : await runImport(db, job, run, settings.unpack);
        await finishJob(db, jobId, result);
        span.setAttribute('passerelle.job.state', result.state);
        log.info({ state: result.state, counts: result.counts, problems: result.problems.length }, 'sync job finished');
        return 'finished';
      } catch (error) {
        if (isTransient(error) && !attempt.last) {
          log.warn({ err: error }, 'sync job hit a transient failure; it will be retried');
          await requeueAfterFailure(db, jobId, `attempt ${attempt.number}: ${(error as Error).message}`).catch(() => undefined);
          throw error;
        }
        log.error({ err: error }, 'sync job failed');
        recordFailure(span, error);
        span.setAttribute('passerelle.job.state', 'failed');
        const error_ = error as Error;
        await finishJob(db, jobId, { state: 'failed', error: isTransient(error) ? `gave up after ${attempt.number} attempts: ${error_.message}` : error_.message, problems: [] });
        return 'finished';
      } finally {
        clearInterval(beat);
      }
    });
  };
}
