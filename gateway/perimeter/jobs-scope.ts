// Sync jobs as a caller may see them: its own inside its current perimeter, or every one there for an `admin`
// (store/reads/visibility.ts, jobVisibleTo); anything else looks missing. Reports are projected as records are.
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import { NotFoundProblem } from '../errors/problems.js';
import { KEY_SHAPES } from '../model/identifiers.js';
import { findJob, jobProblems, listJobs, type JobFilter } from '../store/jobs.js';
import { establishmentsCoveredBy, jobVisibleTo } from '../store/reads/visibility.js';
import type { SyncJobRow } from '../store/tables.js';
import { projectProblem } from './problem-projection.js';
import { internalsOf, type ScopedAccess } from './scoped-access.js';

export class JobsScope {
  /** Built by `ScopedAccess.jobs()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** The caller's view of jobs, from its current record. */
  async #visibility() {
    await this.access.fresh();
    return jobVisibleTo({ clientId: this.access.caller.clientId, perimeter: this.access.perimeter, admin: this.access.scopes.has('admin') });
  }

  /** A job the caller may see, checked against its current record (a revoked or narrowed client at once); else 404. */
  async find(id: string): Promise<SyncJobRow> {
    const visibleTo = await this.#visibility();
    const job = KEY_SHAPES.id.test(id) ? await findJob(internalsOf(this.access).db, id, visibleTo) : undefined;
    if (!job) throw new NotFoundProblem(`no sync job ${id}`);
    return job;
  }

  /** The jobs the caller may see, newest first, after a position. */
  async list(filter: Omit<JobFilter, 'visibleTo'>, limit: number, after?: { createdAt: Date; id: string }): Promise<SyncJobRow[]> {
    return listJobs(internalsOf(this.access).db, { ...filter, visibleTo: await this.#visibility() }, limit, after);
  }

  /** A visible job's problems, masked as the caller's scopes require. */
  async *problems(job: SyncJobRow): AsyncGenerator<ConnectorProblem> {
    for await (const problem of jobProblems(internalsOf(this.access).db, job.id)) yield projectProblem(problem, this.access.scopes);
  }

  /** Whether the caller may see the establishment now; says nothing to it. */
  async canSee(uai: string): Promise<boolean> {
    await this.access.fresh();
    const found = await establishmentsCoveredBy(internalsOf(this.access).db, this.access.perimeter).select('establishment.uai').where('establishment.uai', '=', uai).executeTakeFirst();
    return found !== undefined;
  }
}
