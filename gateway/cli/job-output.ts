// How the command line shows jobs: a summary table for people, or the job as one JSON object with its
// problems; and the exit code a job's outcome means (0 done, 1 failed or lines rejected, 3 held).
import Table from 'cli-table3';
import type { Kysely } from 'kysely';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import { jobProblems } from '../store/jobs.js';
import type { Database, SyncJobRow } from '../store/tables.js';
import type { EstablishmentOutcome } from '../sync/importer.js';
import type { ImportCounts } from '../sync/import-counts.js';
import { jobView } from '../sync/jobs/job-view.js';
import { followJob } from './follow-job.js';

const COUNT_COLUMNS = ['created', 'updated', 'unchanged', 'deleted', 'rejected'] as const;

export async function problemsOf(db: Kysely<Database>, job: SyncJobRow): Promise<ConnectorProblem[]> {
  const problems: ConnectorProblem[] = [];
  for await (const problem of jobProblems(db, job.id)) problems.push(problem);
  return problems;
}

export function formatProblem(p: ConnectorProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.severity}: ${p.field ? `${p.field}: ` : ''}${p.detail}`;
}

export async function printJob(db: Kysely<Database>, job: SyncJobRow, json: boolean): Promise<void> {
  const problems = await problemsOf(db, job);
  if (json) {
    process.stdout.write(JSON.stringify({ ...jobView(job), problems }) + '\n');
    return;
  }
  const establishments = (job.establishments ?? []) as EstablishmentOutcome[];
  process.stdout.write(`job ${job.id}: ${job.connector} ${job.mode}${job.uai ? ` ${job.uai}` : ''}: ${job.state}${job.error ? ` (${job.error})` : ''}\n`);
  const table = new Table({ head: ['establishment', 'state', ...COUNT_COLUMNS] });
  for (const e of establishments) table.push([e.uai, e.state, ...COUNT_COLUMNS.map((c) => e.counts[c])]);
  const counts = job.counts as ImportCounts | null;
  if (counts) table.push([establishments.length ? 'all' : '', job.state, ...COUNT_COLUMNS.map((c) => counts[c])]);
  if (job.kind === 'import') process.stdout.write(table.toString() + '\n');
  const output = job.output as { files?: string[]; pushedTo?: string[] } | null;
  if (output?.files) process.stdout.write(`files: ${output.files.join(', ')}\npushed to: ${output.pushedTo?.join(', ') || 'none'}\n`);
  for (const problem of problems) process.stdout.write(formatProblem(problem) + '\n');
  for (const e of establishments.filter((x) => x.held)) {
    process.stdout.write(`held: ${e.uai}: the import would delete ${e.held!.deletions} of its ${e.held!.total} records from ${job.connector}; nothing was written there. Check the export, then apply it with: passerelle jobs confirm ${job.id}\n`);
  }
}

export function exitCodeOf(job: SyncJobRow): number {
  if (job.state === 'held') return 3;
  if (job.state === 'completed' && job.problem_count === 0) return 0;
  if (job.state === 'completed') return (job.counts as ImportCounts | null)?.rejected ? 1 : 0;
  return 1;
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
  await printJob(db, settled, options.json ?? false);
  process.exitCode = exitCodeOf(settled);
}
