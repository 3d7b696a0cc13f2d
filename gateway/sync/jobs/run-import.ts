// An import job's run: unpacks its input and runs the connector's importer over it, telling progress and
// heeding cancellation. Each establishment is written in one transaction, so a run that dies leaves the store
// as it was.
import type { Kysely } from 'kysely';
import type { ConnectorProblem } from '../../../connectors/kit/problem.js';
import { parsePerimeter } from '../../perimeter/perimeter.js';
import { coversEstablishment } from '../../perimeter/visibility.js';
import { jobInputFiles, OPERATOR, type JobOptions, type JobResult } from '../../store/jobs.js';
import type { Database, SyncJobRow } from '../../store/tables.js';
import { sumCounts } from '../import-counts.js';
import { ImportRequestError, type ImportOutcome, type ImportProgress, type SourceFile } from '../importer.js';
import { IMPORTERS, isConnectorName } from '../importers.js';
import type { JobRun } from './handler.js';
import { InputProblem, unpackInput } from './input.js';

const PROGRESS_EVERY_MS = 500;

/** The establishments the submitter may write to, as of now (its perimeter may have changed since it asked). */
async function allowedEstablishments(db: Kysely<Database>, submittedBy: string): Promise<((uai: string) => boolean) | undefined> {
  if (submittedBy === OPERATOR) return undefined;
  const client = await db.selectFrom('api_client').select('perimeter').where('client_id', '=', submittedBy).where('status', '=', 'active').executeTakeFirst();
  const perimeter = parsePerimeter(client?.perimeter ?? []);
  const rows = await db.selectFrom('establishment').select('uai').where((eb) => coversEstablishment(eb, perimeter)).execute();
  const allowed = new Set(rows.map((r) => r.uai));
  return (uai) => allowed.has(uai);
}

/** Counts the bytes read from the files, for progress that needs nothing from the importer. */
function metered(files: SourceFile[], onBytes: (bytes: number) => void): SourceFile[] {
  return files.map((file) => ({
    ...file,
    async *open() {
      for await (const chunk of file.open()) {
        onBytes(chunk.length);
        yield chunk;
      }
    },
  }));
}

function stateOf(outcome: ImportOutcome): JobResult['state'] {
  if (outcome.establishments.some((e) => e.state === 'failed')) return 'failed';
  if (outcome.establishments.some((e) => e.state === 'held')) return 'held';
  return 'completed';
}

/** Runs the import a job asks for; the only errors it throws are failures of the store or the code. */
export async function runImport(db: Kysely<Database>, job: SyncJobRow, run: JobRun): Promise<JobResult> {
  const options = job.options as JobOptions;
  if (!isConnectorName(job.connector)) return { state: 'failed', error: `no importer for connector ${job.connector}`, problems: [] };
  let bytesRead = 0;
  let stage = 'starting';
  let reported = 0;
  let reporting: Promise<void> = Promise.resolve();
  const report = () => {
    const now = Date.now();
    if (now - reported < PROGRESS_EVERY_MS) return;
    reported = now;
    const progress = { stage, done: bytesRead, total: Number(job.input_size), unit: 'bytes' as const };
    reporting = reporting.then(() => run.pulse(progress));
  };

  let unpacked;
  try {
    unpacked = await unpackInput(await jobInputFiles(db, job.id));
  } catch (error) {
    if (!(error instanceof InputProblem)) throw error;
    return { state: 'failed', error: error.message, problems: [{ file: options.inputName ?? '(upload)', code: 'bad-archive', severity: 'error', detail: error.message }] };
  }
  try {
    const outcome = await IMPORTERS[job.connector](db, {
      files: metered(unpacked.files, (n) => {
        bytesRead += n;
        report();
      }),
      uai: job.uai ?? undefined,
      mode: job.mode,
      confirmed: options.confirmed,
      maxDeletionShare: options.maxDeletionShare,
      lenientIdentifiers: options.lenientIdentifiers,
      encoding: options.encoding,
      establishmentAllowed: await allowedEstablishments(db, job.submitted_by),
      signal: run.signal,
      onProgress: (p: ImportProgress) => {
        stage = p.stage;
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
  const problem = problems.find((p) => p.severity === 'error');
  return problem ? `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.detail}` : 'the import failed';
}
