// How the command line shows jobs: a summary for people (counts per establishment, the errors counted by code
// with the first few, then the warnings counted), or the job as one JSON object with its problems; and the
// exit code a job's outcome means (0 completed, 1 failed or completed with errors, 3 held).
import type { Kysely } from 'kysely';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import { jobProblems, jobProblemTally, type ProblemTally } from '../store/jobs.js';
import type { Database, SyncJobRow } from '../store/tables.js';
import type { EstablishmentOutcome } from '../sync/importer.js';
import type { ImportCounts } from '../sync/import-counts.js';
import { jobView } from '../sync/jobs/job-view.js';
import { followJob } from './follow-job.js';
import { outputTable } from './table.js';

const COUNT_COLUMNS = ['created', 'updated', 'unchanged', 'deleted', 'rejected'] as const;
/** Errors a summary shows line by line; `jobs show ID --all` shows them all. */
const FIRST_ERRORS = 5;

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

function formatProblem(p: ConnectorProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.detail}`;
}

async function collect(problems: AsyncIterable<ConnectorProblem>): Promise<ConnectorProblem[]> {
  const all: ConnectorProblem[] = [];
  for await (const problem of problems) all.push(problem);
  return all;
}

/** `  12  invalid-record` lines, counts aligned, under a heading that gives the total. */
function writeTally(heading: string, tally: ProblemTally[]): number {
  const total = tally.reduce((sum, t) => sum + t.count, 0);
  const width = String(Math.max(...tally.map((t) => t.count))).length;
  write(`${heading}: ${total}`);
  for (const t of tally) write(`  ${String(t.count).padStart(width)}  ${t.code}`);
  return total;
}

/** Errors first, counted by code, then the first few (or all); warnings after, counted (and listed with `all`). */
async function writeProblems(db: Kysely<Database>, job: SyncJobRow, all: boolean): Promise<void> {
  const tally = await jobProblemTally(db, job.id);
  const errors = tally.filter((t) => t.severity === 'error');
  const warnings = tally.filter((t) => t.severity !== 'error');
  if (errors.length > 0) {
    const total = writeTally('errors', errors);
    let shown = 0;
    for await (const problem of jobProblems(db, job.id, 'error')) {
      if (!all && shown === FIRST_ERRORS) break;
      write(`  ${formatProblem(problem)}`);
      shown += 1;
    }
    if (shown < total) write(`  … and ${total - shown} more: passerelle jobs show ${job.id} --all`);
  }
  if (warnings.length > 0) {
    writeTally('warnings', warnings);
    if (all) for await (const problem of jobProblems(db, job.id, 'warning')) write(`  ${formatProblem(problem)}`);
  }
}

export async function printJob(db: Kysely<Database>, job: SyncJobRow, options: { json: boolean; allProblems?: boolean }): Promise<void> {
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...jobView(job), problems: await collect(jobProblems(db, job.id)) }) + '\n');
    return;
  }
  const establishments = (job.establishments ?? []) as EstablishmentOutcome[];
  write(`job ${job.id}: ${job.connector} ${job.mode}${job.uai ? ` ${job.uai}` : ''}: ${job.state}${job.error ? ` (${job.error})` : ''}`);
  const table = outputTable(['establishment', 'state', ...COUNT_COLUMNS]);
  for (const e of establishments) table.push([e.uai, e.state, ...COUNT_COLUMNS.map((c) => e.counts[c])]);
  const counts = job.counts as ImportCounts | null;
  if (counts) table.push([establishments.length ? 'all' : '', job.state, ...COUNT_COLUMNS.map((c) => counts[c])]);
  if (job.kind === 'import') write(table.toString());
  const output = job.output as { files?: string[]; pushedTo?: string[] } | null;
  if (output?.files) write(`files: ${output.files.join(', ')}\npushed to: ${output.pushedTo?.join(', ') || 'none'}`);
  await writeProblems(db, job, options.allProblems ?? false);
  for (const e of establishments.filter((x) => x.held)) {
    write(`held: ${e.uai}: the import would delete ${e.held!.deletions} of its ${e.held!.total} records from ${job.connector}; nothing was written there. Check the export, then apply it with: passerelle jobs confirm ${job.id}`);
  }
}

export function exitCodeOf(job: SyncJobRow): number {
  if (job.state === 'held') return 3;
  return job.state === 'completed' ? 0 : 1;
}

/**
 * What `import` and `push` do once their job is submitted: return at once (with --no-wait, when a worker runs
 * it), or follow it to the end and print it, the exit code telling how it ended.
 */
export async function reportSubmitted(
  db: Kysely<Database>,
  job: SyncJobRow,
  options: { json?: boolean; wait: boolean; inProcess: boolean },
): Promise<void> {
  if (!options.wait && !options.inProcess) {
    process.stdout.write(options.json ? JSON.stringify({ id: job.id, state: job.state }) + '\n' : `queued: job ${job.id}\n`);
    return;
  }
  const settled = await followJob(db, job, { quiet: options.json ?? false, inProcess: options.inProcess });
  await printJob(db, settled, { json: options.json ?? false });
  process.exitCode = exitCodeOf(settled);
}
