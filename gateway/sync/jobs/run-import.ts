// An import job's run: unpacks its input and runs the connector's importer over it, telling progress and
// heeding cancellation. Each establishment is written in one transaction, so a run that dies leaves the store
// as it was.
import type { Kysely } from 'kysely';
import type { ConnectorProblem } from '../../../connectors/kit/problem.js';
import { submitterPerimeter } from '../../perimeter/submitter.js';
import { jobInputFiles, type JobOptions, type JobResult } from '../../store/jobs.js';
import type { Database, SyncJobRow } from '../../store/tables.js';
import { sumCounts } from '../import-counts.js';
import { ImportRequestError, type ImportOutcome, type ImportProgress, type SourceFile } from '../importer.js';
import { importerNamed } from '../importers.js';
import type { JobRun } from './job-run.js';
import { InputProblem, unpackInput, type UnpackLimits } from './input.js';

const PROGRESS_EVERY_MS = 500;

/**
 * Counts the bytes read from the files, for progress that needs nothing from the importer; once the job is
 * cancelled, the next chunk read throws, so that a connector stops even between the records it yields.
 */
function metered(files: SourceFile[], onBytes: (bytes: number) => void, signal: AbortSignal): SourceFile[] {
  return files.map((file) => ({
    ...file,
    async *open() {
      for await (const chunk of file.open()) {
        signal.throwIfAborted();
        onBytes(chunk.length);
        yield chunk;
      }
    },
  }));
}

/**
 * How an import ended, as people read it: refused lines or establishments make a partial success, and
 * nothing applied because all was refused is a failure (which keeps its input to be retried, once the
 * directory that was missing is imported, say). A held establishment holds the job, whatever else happened.
 */
function stateOf(outcome: ImportOutcome): JobResult['state'] {
  if (outcome.establishments.some((e) => e.state === 'held')) return 'held';
  const refused = outcome.counts.rejected > 0 || outcome.problems.some((p) => p.severity === 'error') || outcome.establishments.some((e) => e.state === 'failed');
  if (!refused) return 'completed';
  const { created, updated, unchanged, deleted } = outcome.counts;
  return created + updated + unchanged + deleted > 0 ? 'completed-with-errors' : 'failed';
}

/** Runs the import a job asks for; the only errors it throws are failures of the store or the code. */
export async function runImport(db: Kysely<Database>, job: SyncJobRow, run: JobRun, limits: UnpackLimits): Promise<JobResult> {
  const options = job.options as JobOptions;
  const importer = importerNamed(job.connector);
  if (!importer) return { state: 'failed', error: `no importer for connector ${job.connector}`, problems: [] };
  let bytesRead = 0;
  let bytesInAll = Number(job.input_size);
  // Once every byte is read, an importer that counts what it writes (AAF: establishments) tells the rest.
  let writing: { done: number; total: number } | undefined;
  let stage = 'starting';
  let reported = 0;
  let reporting: Promise<void> = Promise.resolve();
  const report = () => {
    const now = Date.now();
    if (now - reported < PROGRESS_EVERY_MS) return;
    reported = now;
    const progress = writing && bytesRead >= bytesInAll
      ? { stage, ...writing }
      : { stage, done: Math.min(bytesRead, bytesInAll), total: bytesInAll, unit: 'bytes' as const };
    reporting = reporting.then(() => run.pulse(progress));
  };

  let unpacked;
  try {
    unpacked = await unpackInput(await jobInputFiles(db, job.id), { limits, label: job.id, signal: run.signal });
  } catch (error) {
    if (run.signal.aborted) return { state: 'cancelled', counts: sumCounts([]), problems: [] };
    if (!(error instanceof InputProblem)) throw error;
    return { state: 'failed', error: error.message, problems: [{ file: options.inputName ?? '(upload)', code: error.code, severity: 'error', detail: error.message }] };
  }
  // Archives are read unpacked: progress counts the bytes of what they hold.
  bytesInAll = unpacked.files.reduce((sum, f) => sum + (f.size ?? 0), 0) || bytesInAll;
  try {
    const outcome = await importer.run(db, {
      files: metered(unpacked.files, (n) => {
        bytesRead += n;
        report();
      }, run.signal),
      uai: job.uai ?? undefined,
      mode: job.mode,
      confirmed: options.confirmed,
      maxDeletionShare: options.maxDeletionShare,
      lenientIdentifiers: options.lenientIdentifiers,
      encoding: options.encoding,
      perimeter: await submitterPerimeter(db, job.submitted_by),
      signal: run.signal,
      onProgress: (p: ImportProgress) => {
        stage = p.stage;
        if (p.total !== undefined && bytesRead >= bytesInAll) writing = { done: p.done, total: p.total };
        report();
      },
    });
    await reporting;
    const state = stateOf(outcome);
    return {
      state,
      counts: outcome.counts,
      establishments: outcome.establishments,
      problems: outcome.problems,
      ...(state === 'failed' ? { error: firstError(outcome.problems) } : {}),
    };
  } catch (error) {
    await reporting;
    if (run.signal.aborted) return { state: 'cancelled', counts: sumCounts([]), problems: [] };
    if (error instanceof ImportRequestError) return { state: 'failed', error: error.message, problems: [] };
    throw error;
  } finally {
    await unpacked.dispose();
  }
}

function firstError(problems: ConnectorProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return 'the import failed';
  const [first] = errors;
  return `nothing was written: ${errors.length === 1 ? 'the one error' : `${errors.length} errors, the first`}: ${first.file}${first.line ? `:${first.line}` : ''}: ${first.detail}`;
}
