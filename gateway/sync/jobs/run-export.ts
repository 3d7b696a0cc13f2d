// An export job's run: writes the establishment's files (the GAR package) into a temporary folder and pushes
// them to every destination the sync configuration gives for that establishment and connector, in order (the
// GAR's .md5 after its .tar.gz). A destination that cannot be reached for now is a transient failure: the job
// is retried, the whole package pushed again (destinations replace files of the same name).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { destinationsFor, type SyncConfig } from '../../config/sync-config.js';
import { establishmentPlace } from '../../store/establishment-places.js';
import type { JobResult, NewJob } from '../../store/jobs.js';
import type { Database, SyncJobRow } from '../../store/tables.js';
import { exportGar, UnknownEstablishmentError } from '../export-gar.js';
import { createDestination } from '../transport/endpoints.js';
import { TransportError } from '../transport/transport.js';
import type { JobRun } from './job-run.js';

export const EXPORTERS = ['gar'] as const;

export function isExporterName(name: string): name is (typeof EXPORTERS)[number] {
  return (EXPORTERS as readonly string[]).includes(name);
}

/** The job that exports an establishment and pushes it; exports of one establishment never run at once. */
export function exportJob(connector: string, uai: string, submittedBy: string, idempotencyKey: string | null = null, requestId?: string): NewJob {
  return {
    kind: 'export', connector, mode: 'complete', uai, lockKey: `export:${uai}`,
    options: { lenientIdentifiers: false, confirmed: false, ...(requestId ? { requestId } : {}) }, submittedBy, idempotencyKey,
  };
}

export async function runExport(db: Kysely<Database>, job: SyncJobRow, syncConfig: SyncConfig | undefined, run: JobRun): Promise<JobResult> {
  const fail = (error: string): JobResult => ({ state: 'failed', error, problems: [] });
  if (!isExporterName(job.connector)) return fail(`no exporter for connector ${job.connector}`);
  if (!job.uai) return fail('an export job needs its establishment');
  const place = await establishmentPlace(db, job.uai);
  if (!place) return fail(`establishment ${job.uai} is not known to the gateway`);
  const pushes = syncConfig ? destinationsFor(syncConfig, place, job.connector) : [];
  if (pushes.length === 0) {
    return fail(`no destination for ${job.connector} exports of ${job.uai}: declare a push in the sync configuration (PASSERELLE_SYNC_CONFIG)`);
  }

  const outDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'passerelle-export-'));
  try {
    let result;
    try {
      result = await exportGar(db, { uai: job.uai, outDir, signal: run.signal, onProgress: (p) => void run.pulse({ stage: p.stage, done: p.done }) });
    } catch (error) {
      if (run.signal.aborted) return { state: 'cancelled', problems: [] };
      if (error instanceof UnknownEstablishmentError) return fail(error.message);
      throw error;
    }
    // Export problems name a record, not a line of a file: the record stands where the file would.
    const problems = result.problems.map((p) => ({ file: `${p.entity} ${p.id}`, code: p.code, severity: p.severity, detail: p.detail, ...(p.field ? { field: p.field } : {}) }));
    // The package goes out; the XML files it was made from are the archive's content.
    const delivered = result.files.filter((f) => /\.(tar\.gz|md5)$/.test(f));
    const files = await Promise.all(delivered.map(async (file) => ({ name: path.basename(file), size: (await fsp.stat(file)).size, open: () => fs.createReadStream(file) })));
    const pushed: string[] = [];
    // Cancelled while pushing: the destinations already served keep the package, and the job says which.
    const cancelled = (): JobResult => ({ state: 'cancelled', problems, output: { files: files.map((f) => f.name), pushedTo: pushed } });
    for (const push of pushes) {
      if (run.signal.aborted) return cancelled();
      await run.pulse({ stage: `pushing to ${push.id}`, done: pushed.length, total: pushes.length });
      const destination = createDestination(push.destination);
      try {
        await destination.push(files, { signal: run.signal });
      } catch (error) {
        if (run.signal.aborted) return cancelled();
        if (error instanceof TransportError && !error.transient) {
          return { state: 'failed', error: `${push.id}: ${error.message}`, problems, output: { files: files.map((f) => f.name), pushedTo: pushed } };
        }
        throw error;
      }
      pushed.push(push.id);
    }
    // Records GAR-ENT cannot express were left out: delivered, but not a plain success.
    const state = problems.some((p) => p.severity === 'error') ? 'completed-with-errors' : 'completed';
    return { state, problems, output: { files: files.map((f) => f.name), entries: result.counts, pushedTo: pushed } };
  } finally {
    await fsp.rm(outDir, { recursive: true, force: true });
  }
}
