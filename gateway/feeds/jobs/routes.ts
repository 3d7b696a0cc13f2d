// The sync job API: submit an export (one file or an archive) as a job, follow it, read its report, and
// cancel, retry or confirm it. Jobs are seen and acted on inside the caller's current perimeter only (see
// jobVisibleTo): a client its own jobs there, an `admin` every job there; outside looks missing.
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { accessOf, requireAnyScope } from '../../http/context.js';
import { decodeCursor, encodeCursor, KEY_SHAPES, selfUrl, setNextLink } from '../../http/paging.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { NotFoundProblem, ValidationProblem } from '../../errors/problems.js';
import { queryInteger, queryString } from '../../http/query.js';
import type { JobState } from '../../store/jobs.js';
import type { SyncJobRow } from '../../store/tables.js';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import { ARCHIVE_EXTENSIONS, importerNamed, mayHoldWhatItReads } from '../../sync/importers.js';
import { jobView, PROBLEM_CSV_HEADER, problemCsvLine } from '../../sync/jobs/job-view.js';
import { exportJob } from '../../sync/jobs/run-export.js';
import type { SyncJobs } from '../../sync/jobs/service.js';

const EXTENSION_OF_TYPE: Record<string, string> = {
  'application/zip': '.zip', 'application/gzip': '.tar.gz', 'application/x-gzip': '.tar.gz', 'application/x-tar': '.tar',
  'text/csv': '.csv', 'application/xml': '.xml', 'text/xml': '.xml', 'application/json': '.json',
};

function uploadName(req: Request): string {
  const given = queryString(req, 'filename');
  if (given) return path.basename(given);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return `upload${EXTENSION_OF_TYPE[type] ?? ''}`;
}

/** A job the caller may see, checked against its current record: a revoked or narrowed client at once. */
function visibleJob(access: ScopedAccess, id: string): Promise<SyncJobRow> {
  return access.jobs().find(id);
}

class UploadTooLarge extends GatewayError {
  constructor(limit: number) {
    super('upload-too-large', `the upload is larger than ${Math.round(limit / 1024 / 1024)} MiB, the most this gateway takes (MAX_UPLOAD_MB); split the delivery, or have it pulled from a folder or an SFTP server`);
  }
}

/** The request body, refused past `limit` bytes: the upload's transaction rolls back, nothing is kept. */
async function* capped(body: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new UploadTooLarge(limit);
    yield chunk;
  }
}

export function syncJobRoutes(jobs: SyncJobs, publicUrl: string, maxUploadBytes: number): Router {
  const router = Router();

  router.post('/sync/jobs', requireAnyScope(['sync.write', 'admin']), async (req, res) => {
    const access = accessOf(res);
    await access.fresh();
    const connector = queryString(req, 'connector')!;
    const importer = importerNamed(connector);
    if (!importer) {
      throw new ValidationProblem(`/query/connector must be a connector that imports (got "${connector}")`, [{ pointer: '/query/connector', detail: 'must be a connector that imports' }]);
    }
    if (importer.needs.admin) access.requireScopes(['admin']);
    const uai = queryString(req, 'uai');
    if (importer.needs.uai && !uai) {
      throw new ValidationProblem(`/query/uai is required for connector ${connector}: its files do not name their establishment`, [{ pointer: '/query/uai', detail: `is required for connector ${connector}` }]);
    }
    // For a connector that may create its establishment, one the caller cannot see (missing, or outside its
    // perimeter: the same to it) still makes a job, which its import fails with the uniform refusal if it must,
    // so that the answer here does not tell them apart.
    const establishmentUnseen = uai !== undefined && importer.createsItsEstablishment === true && !(await access.jobs().canSee(uai));
    if (uai && !importer.createsItsEstablishment) await access.establishment(uai).readForWrite();
    const maxDeletionShare = queryString(req, 'maxDeletionShare');
    const inputName = uploadName(req);
    if (!mayHoldWhatItReads(importer, inputName)) {
      const pointer = queryString(req, 'filename') ? '/query/filename' : '/header/content-type';
      const detail = `must name a file connector ${connector} reads (${importer.files.extensions.join(', ')}) or an archive (${ARCHIVE_EXTENSIONS.join(', ')})`;
      throw new ValidationProblem(`${pointer} ${detail} (got "${inputName}")`, [{ pointer, detail }]);
    }
    const { job, created } = await jobs.submit({
      connector,
      mode: (queryString(req, 'mode') ?? 'complete') as 'complete' | 'delta',
      uai: uai ?? null,
      lockKey: uai ?? connector,
      options: {
        lenientIdentifiers: queryString(req, 'lenientIdentifiers') === 'true',
        confirmed: false,
        ...(maxDeletionShare === undefined ? {} : { maxDeletionShare: Number(maxDeletionShare) }),
        ...(queryString(req, 'encoding') ? { encoding: queryString(req, 'encoding') } : {}),
        inputName,
        ...(establishmentUnseen ? { establishmentUnseen } : {}),
        ...(req.id ? { requestId: req.id } : {}),
      },
      submittedBy: access.caller.clientId,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined ?? null,
    }, [{ name: inputName, open: () => capped(req, maxUploadBytes) }]);
    res.status(created ? 202 : 200).setHeader('Location', `${publicUrl}/v1/sync/jobs/${job.id}`).json(jobView(job, publicUrl));
  });

  router.post('/sync/exports', requireAnyScope(['sync.write', 'admin']), async (req, res) => {
    const access = accessOf(res);
    await access.fresh();
    const connector = queryString(req, 'connector')!;
    const uai = queryString(req, 'uai')!;
    await access.establishment(uai).readForWrite();
    const { job } = await jobs.submit(exportJob(connector, uai, access.caller.clientId, req.headers['idempotency-key'] as string | undefined ?? null, req.id), []);
    res.status(202).setHeader('Location', `${publicUrl}/v1/sync/jobs/${job.id}`).json(jobView(job, publicUrl));
  });

  router.get('/sync/jobs', requireAnyScope(['sync.write', 'admin']), async (req, res) => {
    const access = accessOf(res);
    await access.fresh();
    const limit = queryInteger(req, 'limit', 50);
    const cursor = queryString(req, 'cursor');
    const after = cursor === undefined ? undefined : decodeCursor(req, cursor, 'cursor',
      (v): v is { createdAt: string; id: string } => typeof v.createdAt === 'string' && !Number.isNaN(Date.parse(v.createdAt)) && typeof v.id === 'string' && KEY_SHAPES.id.test(v.id));
    const rows = await access.jobs().list({
      state: queryString(req, 'state') as JobState | undefined,
      connector: queryString(req, 'connector'),
      uai: queryString(req, 'uai'),
    }, limit + 1, after && { createdAt: new Date(after.createdAt), id: after.id });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const next = rows.length > limit && last
      ? selfUrl(req, publicUrl, { cursor: encodeCursor(req, { createdAt: new Date(last.created_at).toISOString(), id: last.id }) })
      : null;
    setNextLink(res, next);
    res.json({ jobs: page.map((job) => jobView(job, publicUrl)), next });
  });

  router.get('/sync/jobs/:id', requireAnyScope(['sync.write', 'admin']), async (req, res) => {
    res.json(jobView(await visibleJob(accessOf(res), req.params.id as string), publicUrl));
  });

  router.get('/sync/jobs/:id/report', requireAnyScope(['sync.write', 'admin']), async (req, res) => {
    const access = accessOf(res);
    const job = await visibleJob(access, req.params.id as string);
    const csv = queryString(req, 'format') === 'csv' || (queryString(req, 'format') === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    await sendReport(res, job, csv, access);
  });

  const action = (name: 'cancel' | 'retry' | 'confirm') =>
    router.post(`/sync/jobs/:id/${name}`, requireAnyScope(['sync.write', 'admin']), async (req, res) => {
      const access = accessOf(res);
      const job = await visibleJob(access, req.params.id as string);
      const updated = await jobs[name](job.id);
      if (!updated) throw new NotFoundProblem(`no sync job ${job.id}`);
      res.json(jobView(updated, publicUrl));
    });
  action('cancel');
  action('retry');
  action('confirm');
  return router;
}

async function sendReport(res: Response, job: SyncJobRow, csv: boolean, access: ScopedAccess): Promise<void> {
  if (csv) {
    res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="job-${job.id}-report.csv"`);
    res.write(PROBLEM_CSV_HEADER);
    for await (const problem of access.jobs().problems(job)) res.write(problemCsvLine(problem as unknown as Record<string, unknown>));
    res.end();
    return;
  }
  res.status(200).type('application/json');
  res.write(`{"jobId":${JSON.stringify(job.id)},"state":${JSON.stringify(job.state)},"problems":[`);
  let first = true;
  for await (const problem of access.jobs().problems(job)) {
    res.write((first ? '' : ',') + JSON.stringify(problem));
    first = false;
  }
  res.end(']}');
}
