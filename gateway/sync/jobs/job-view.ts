// A job as the API and `--json` show it: camelCase, only what is set, with links to itself and its report.
import { csvCell } from '../../../connectors/kit/csv-cell.js';
import { SETTLED_STATES, type JobOptions } from '../../store/jobs.js';
import type { SyncJobRow } from '../../store/tables.js';

export function jobView(job: SyncJobRow, baseUrl?: string): Record<string, unknown> {
  const options = job.options as JobOptions;
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
  const view: Record<string, unknown> = {
    id: job.id,
    kind: job.kind,
    connector: job.connector,
    mode: job.mode,
    uai: job.uai ?? undefined,
    state: job.state,
    cancelRequested: job.cancel_requested || undefined,
    idempotencyKey: job.idempotency_key ?? undefined,
    options: {
      lenientIdentifiers: options.lenientIdentifiers,
      confirmed: options.confirmed,
      ...(options.maxDeletionShare === undefined ? {} : { maxDeletionShare: options.maxDeletionShare }),
      ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    },
    input: { name: options.inputName, size: Number(job.input_size), sha256: job.input_sha256 },
    progress: job.progress ?? undefined,
    counts: job.counts ?? undefined,
    establishments: job.establishments ?? undefined,
    output: job.output ?? undefined,
    problemCount: job.problem_count,
    errorCount: job.error_count,
    warningCount: job.warning_count,
    error: job.error ?? undefined,
    attempts: job.attempts,
    createdAt: iso(job.created_at),
    startedAt: iso(job.started_at),
    finishedAt: iso(job.finished_at),
    updatedAt: iso(job.updated_at),
  };
  if (baseUrl) view.links = { self: `${baseUrl}/v1/sync/jobs/${job.id}`, report: `${baseUrl}/v1/sync/jobs/${job.id}/report` };
  return JSON.parse(JSON.stringify(view)) as Record<string, unknown>;
}

/** Whether a job has stopped for good or until someone acts (confirm, retry). */
export function isSettled(job: SyncJobRow): boolean {
  return SETTLED_STATES.includes(job.state);
}

const CSV_COLUMNS = ['file', 'line', 'field', 'severity', 'code', 'detail'] as const;

export const PROBLEM_CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

export function problemCsvLine(problem: Record<string, unknown>): string {
  return CSV_COLUMNS.map((c) => csvCell(problem[c])).join(',') + '\r\n';
}
