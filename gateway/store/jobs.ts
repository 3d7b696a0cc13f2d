// Sync job records: created with their input files in one transaction, claimed one establishment at a time,
// finished with their counts and problems. The job record is the truth about a job; queues only carry ids.
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import type { Database, SyncJobRow, SyncJobTable } from './tables.js';
import { IdempotencyConflict, JobStateConflict } from './job-errors.js';

export type JobState = SyncJobTable['state'];

/**
 * Every state a job can be in. `completed`: everything the input held was applied (warnings aside);
 * `completed-with-errors`: applied, but some lines or establishments were refused (see the report);
 * `failed`: nothing was applied (bad input, every line or establishment refused, or a failure; it may be
 * retried); `held`: the safety brake stopped a complete import until it is confirmed.
 */
export const JOB_STATES = ['queued', 'running', 'held', 'completed', 'completed-with-errors', 'failed', 'cancelled'] as const satisfies readonly JobState[];

/** States a job stays in until someone acts (confirm, retry) or for good. */
export const SETTLED_STATES: readonly JobState[] = JOB_STATES.filter((state) => state !== 'queued' && state !== 'running');

/** The submitter of jobs from the command line and the sync schedules: the operator, with no perimeter. */
export const OPERATOR = 'operator';

export interface JobOptions {
  lenientIdentifiers: boolean;
  confirmed: boolean;
  maxDeletionShare?: number;
  encoding?: string;
  /** Name of the delivery as uploaded (the file name, or the archive's). */
  inputName?: string;
  /**
   * The job's establishment was one its submitter could not see when it submitted the job (not held, or held
   * outside its perimeter: the submitter is not told which). Its import creates it, or refuses it in the same
   * words either way; the submitter follows such a job until it has written (gateway/perimeter/visibility.ts).
   */
  establishmentUnseen?: boolean;
  /** The X-Request-Id of the request that submitted the job: its logs carry it, to follow a request into its job. */
  requestId?: string;
  /** The W3C trace context of the span that submitted the job (tracing on): its runs are children of it. */
  traceparent?: string;
}

export interface NewJob {
  /** Imports read their input; exports write files and push them where the sync configuration says. */
  kind?: 'import' | 'export';
  connector: string;
  mode: 'complete' | 'delta';
  uai: string | null;
  lockKey: string;
  options: JobOptions;
  submittedBy: string;
  idempotencyKey: string | null;
}

export interface InputFile {
  name: string;
  open(): AsyncIterable<Buffer | Uint8Array>;
}

/** Input is stored in parts of this size, so that neither upload nor reading ever holds a whole file. */
const PART_BYTES = 1024 * 1024;

/**
 * Creates a queued job and stores its input. With an idempotency key already used by the same submitter, the
 * existing job is returned (`created: false`) when the request is the same (connector, mode, establishment and
 * bytes), and IdempotencyConflict is thrown otherwise.
 */
export async function createJob(
  db: Kysely<Database>,
  job: NewJob,
  files: InputFile[],
  priorityOf: (inputBytes: number) => number,
): Promise<{ job: SyncJobRow; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const id = randomUUID();
    const inserted = await trx
      .insertInto('sync_job')
      .values({
        id, kind: job.kind ?? 'import', connector: job.connector, mode: job.mode, uai: job.uai, lock_key: job.lockKey,
        options: JSON.stringify(job.options), submitted_by: job.submittedBy, idempotency_key: job.idempotencyKey,
        state: 'queued', priority: 0, input_size: 0, input_sha256: '',
      })
      .onConflict((oc) => oc.columns(['submitted_by', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst();

    const digest = createHash('sha256');
    let total = 0;
    for (const [fileNo, file] of files.entries()) {
      let size = 0;
      let part = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (!inserted || pendingBytes === 0) return;
        await trx.insertInto('sync_job_chunk').values({ job_id: id, file_no: fileNo, part, bytes: Buffer.concat(pending) }).execute();
        part += 1;
        pending = [];
        pendingBytes = 0;
      };
      if (inserted) await trx.insertInto('sync_job_file').values({ job_id: id, file_no: fileNo, name: file.name, size: 0 }).execute();
      digest.update(`${file.name}\0`);
      for await (const chunk of file.open()) {
        const bytes = Buffer.from(chunk);
        digest.update(bytes);
        size += bytes.length;
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= PART_BYTES) await flush();
      }
      await flush();
      total += size;
      if (inserted) await trx.updateTable('sync_job_file').set({ size }).where('job_id', '=', id).where('file_no', '=', fileNo).execute();
    }
    const sha256 = digest.digest('hex');

    if (!inserted) {
      const existing = await trx.selectFrom('sync_job').selectAll()
        .where('submitted_by', '=', job.submittedBy).where('idempotency_key', '=', job.idempotencyKey).executeTakeFirstOrThrow();
      const same = existing.kind === (job.kind ?? 'import') && existing.connector === job.connector && existing.mode === job.mode && existing.uai === job.uai && existing.input_sha256 === sha256;
      if (!same) throw new IdempotencyConflict(existing);
      return { job: existing, created: false };
    }
    const row = await trx.updateTable('sync_job').set({ input_size: total, input_sha256: sha256, priority: priorityOf(total) })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return { job: row, created: true };
  });
}

/** A job by id; with `visibleTo` (a caller's view, gateway/perimeter), only if that caller may see it. */
export function findJob(db: Kysely<Database>, id: string, visibleTo?: JobVisibility): Promise<SyncJobRow | undefined> {
  let query = db.selectFrom('sync_job').selectAll().where('id', '=', id);
  if (visibleTo) query = query.where(visibleTo);
  return query.executeTakeFirst();
}

export type JobVisibility = (eb: ExpressionBuilder<Database, 'sync_job'>) => Expression<SqlBool>;

export interface JobFilter {
  state?: JobState;
  connector?: string;
  uai?: string;
  submittedBy?: string;
  /** Only the jobs a caller may see. */
  visibleTo?: JobVisibility;
}

/** Newest first, by keyset: `after` is the last job of the previous page. */
export async function listJobs(db: Kysely<Database>, filter: JobFilter, limit: number, after?: { createdAt: Date; id: string }): Promise<SyncJobRow[]> {
  let query = db.selectFrom('sync_job').selectAll();
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.connector) query = query.where('connector', '=', filter.connector);
  if (filter.uai) query = query.where('uai', '=', filter.uai);
  if (filter.submittedBy) query = query.where('submitted_by', '=', filter.submittedBy);
  if (filter.visibleTo) query = query.where(filter.visibleTo);
  if (after) {
    query = query.where((eb) => eb.or([
      eb('created_at', '<', after.createdAt),
      eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
    ]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The job's input files; each reads its stored parts one at a time. */
export async function jobInputFiles(db: Kysely<Database>, id: string): Promise<(InputFile & { size: number })[]> {
  const files = await db.selectFrom('sync_job_file').select(['file_no', 'name', 'size']).where('job_id', '=', id).orderBy('file_no').execute();
  return files.map((file) => ({
    name: file.name,
    size: Number(file.size),
    async *open() {
      for (let part = 0; ; part += 1) {
        const row = await db.selectFrom('sync_job_chunk').select('bytes')
          .where('job_id', '=', id).where('file_no', '=', file.file_no).where('part', '=', part).executeTakeFirst();
        if (!row) return;
        yield row.bytes;
      }
    },
  }));
}

export type Claim = { claimed: SyncJobRow } | { busy: true } | { gone: SyncJobRow['state'] | 'missing' };

/**
 * Marks a queued job running, unless another job with the same lock key is running (`busy`: try later) or the
 * job no longer wants to run (`gone`: cancelled, finished or unknown). A job found `running` is claimed again
 * only once its runner has been silent for `staleAfterSeconds` (it died); until then it is `busy`. Claims of
 * one lock key are serialised by an advisory lock.
 */
export async function claimJob(db: Kysely<Database>, id: string, staleAfterSeconds: number): Promise<Claim> {
  return db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom('sync_job')
      .select(['lock_key', 'state', 'cancel_requested', sql<boolean>`updated_at < now() - make_interval(secs => ${staleAfterSeconds})`.as('silent')])
      .where('id', '=', id).forUpdate().executeTakeFirst();
    if (!job) return { gone: 'missing' as const };
    if (job.state !== 'queued' && job.state !== 'running') return { gone: job.state };
    if (job.state === 'running' && !job.silent) return { busy: true as const };
    if (job.cancel_requested) {
      await finishCancelled(trx, id);
      return { gone: 'cancelled' as const };
    }
    await sql`select pg_advisory_xact_lock(hashtext(${`sync_job:${job.lock_key}`}))`.execute(trx);
    const other = await trx.selectFrom('sync_job').select('id')
      .where('lock_key', '=', job.lock_key).where('state', '=', 'running').where('id', '<>', id).executeTakeFirst();
    if (other) return { busy: true as const };
    const claimed = await trx.updateTable('sync_job')
      .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), started_at: sql`now()`, updated_at: sql`now()`, progress: null, error: null }))
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return { claimed };
  });
}

async function finishCancelled(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.updateTable('sync_job').set({ state: 'cancelled', finished_at: sql`now()`, updated_at: sql`now()`, progress: null }).where('id', '=', id).execute();
  await deleteInput(trx, id);
}

/**
 * Says the job's runner is alive (see claimJob), with its progress when given; answers whether cancellation
 * was asked for meanwhile.
 */
export async function heartbeat(db: Kysely<Database>, id: string, progress?: unknown): Promise<boolean> {
  const row = await db.updateTable('sync_job')
    .set({ updated_at: sql`now()`, ...(progress === undefined ? {} : { progress: JSON.stringify(progress) }) })
    .where('id', '=', id).where('state', '=', 'running').returning('cancel_requested').executeTakeFirst();
  return row?.cancel_requested ?? false;
}

export interface JobResult {
  state: 'completed' | 'completed-with-errors' | 'held' | 'failed' | 'cancelled';
  counts?: unknown;
  establishments?: unknown;
  output?: unknown;
  error?: string;
  problems: ConnectorProblem[];
}

/** Ends a run: its outcome and problems (replacing those of earlier runs); input kept only if it may run again. */
export async function finishJob(db: Kysely<Database>, id: string, result: JobResult): Promise<SyncJobRow> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sync_job_problem').where('job_id', '=', id).execute();
    for (let start = 0; start < result.problems.length; start += 1000) {
      await trx.insertInto('sync_job_problem').values(result.problems.slice(start, start + 1000).map((p, i) => ({
        job_id: id, n: start + i, file: p.file, line: p.line ?? null, field: p.field ?? null, code: p.code, severity: p.severity, detail: p.detail,
      }))).execute();
    }
    const row = await trx.updateTable('sync_job').set({
      state: result.state,
      counts: result.counts === undefined ? null : JSON.stringify(result.counts),
      establishments: result.establishments === undefined ? null : JSON.stringify(result.establishments),
      output: result.output === undefined ? null : JSON.stringify(result.output),
      error: result.error ?? null,
      problem_count: result.problems.length,
      error_count: result.problems.filter((p) => p.severity === 'error').length,
      warning_count: result.problems.filter((p) => p.severity !== 'error').length,
      progress: null,
      cancel_requested: false,
      finished_at: sql`now()`,
      updated_at: sql`now()`,
    }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    // A failed or held job may run again on the same input; the others are over.
    if (result.state !== 'failed' && result.state !== 'held') await deleteInput(trx, id);
    return row;
  });
}

/** After a transient failure: back in the queue for its next attempt, with the error kept for people to see. */
export async function requeueAfterFailure(db: Kysely<Database>, id: string, error: string): Promise<void> {
  await db.updateTable('sync_job').set({ state: 'queued', error, progress: null, updated_at: sql`now()` })
    .where('id', '=', id).where('state', '=', 'running').execute();
}

async function transition(
  db: Kysely<Database>,
  id: string,
  action: string,
  allowed: readonly JobState[],
  apply: (trx: Transaction<Database>, job: SyncJobRow) => Promise<void>,
): Promise<SyncJobRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom('sync_job').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!job) return undefined;
    if (!allowed.includes(job.state)) throw new JobStateConflict(job, action, allowed);
    await apply(trx, job);
    return trx.selectFrom('sync_job').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  });
}

/** A queued or held job is cancelled at once; a running one stops before it writes, at its next progress report. */
export function cancelJob(db: Kysely<Database>, id: string): Promise<SyncJobRow | undefined> {
  return transition(db, id, 'cancelled', ['queued', 'held', 'running'], async (trx, job) => {
    if (job.state === 'running') {
      await trx.updateTable('sync_job').set({ cancel_requested: true, updated_at: sql`now()` }).where('id', '=', id).execute();
    } else {
      await finishCancelled(trx, id);
    }
  });
}

/** A failed job runs again on the same input. */
export function retryJob(db: Kysely<Database>, id: string): Promise<SyncJobRow | undefined> {
  return transition(db, id, 'retried', ['failed'], async (trx) => {
    await requeue(trx, id);
  });
}

/** A held job runs again, this time applying the deletions the safety brake stopped. */
export function confirmJob(db: Kysely<Database>, id: string): Promise<SyncJobRow | undefined> {
  return transition(db, id, 'confirmed', ['held'], async (trx, job) => {
    await requeue(trx, id, { ...(job.options as JobOptions), confirmed: true });
  });
}

async function requeue(trx: Transaction<Database>, id: string, options?: JobOptions): Promise<void> {
  await trx.updateTable('sync_job').set({
    state: 'queued', error: null, finished_at: null, updated_at: sql`now()`,
    ...(options ? { options: JSON.stringify(options) } : {}),
  }).where('id', '=', id).execute();
}

async function deleteInput(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.deleteFrom('sync_job_file').where('job_id', '=', id).execute();
}

/** Problems of a job in the order found (only those of one severity when given), a page at a time. */
export async function* jobProblems(db: Kysely<Database>, id: string, severity?: ConnectorProblem['severity']): AsyncGenerator<ConnectorProblem> {
  for (let after = -1; ;) {
    let query = db.selectFrom('sync_job_problem').selectAll().where('job_id', '=', id).where('n', '>', after);
    if (severity) query = query.where('severity', '=', severity);
    const rows = await query.orderBy('n').limit(1000).execute();
    for (const r of rows) {
      yield { file: r.file, ...(r.line === null ? {} : { line: r.line }), ...(r.field === null ? {} : { field: r.field }), code: r.code, severity: r.severity, detail: r.detail };
    }
    if (rows.length < 1000) return;
    after = rows[rows.length - 1].n;
  }
}

export interface ProblemTally {
  severity: ConnectorProblem['severity'];
  code: string;
  count: number;
}

/** How many problems of each severity and code a job found: errors first, then the most frequent first. */
export async function jobProblemTally(db: Kysely<Database>, id: string): Promise<ProblemTally[]> {
  const rows = await db.selectFrom('sync_job_problem')
    .select(['severity', 'code', (eb) => eb.fn.countAll<string>().as('count')])
    .where('job_id', '=', id).groupBy(['severity', 'code'])
    .orderBy(sql`severity = 'error'`, 'desc').orderBy('count', 'desc').orderBy('code').execute();
  return rows.map((r) => ({ severity: r.severity, code: r.code, count: Number(r.count) }));
}

/** Jobs a dead process left queued or running: what an in-process runner takes up again at start. */
export async function unfinishedJobs(db: Kysely<Database>): Promise<SyncJobRow[]> {
  return db.selectFrom('sync_job').selectAll().where('state', 'in', ['queued', 'running']).orderBy('created_at').execute();
}
