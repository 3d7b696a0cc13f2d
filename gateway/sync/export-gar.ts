// The GAR export of one establishment: its active roster read from the store page by page, written as GAR-ENT
// complete files into a folder, then packed (tar.gz and .md5) for delivery. A plain function, so that the
// command line, sync jobs and tests run the same thing.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { packGar } from '../../connectors/gar/pack.js';
import type { GarDegree, GarGroup, GarMembership, GarPerson, GarProblem, GarSource, GarSubject } from '../../connectors/gar/records.js';
import type { GarOutput } from '../../connectors/gar/series.js';
import { writeGar } from '../../connectors/gar/write.js';
import { activeEstablishment, establishmentRoster, type RosterEntity, type RosterRecord } from '../feeds/exports/queries.js';
import type { Database } from '../store/tables.js';

export interface GarExportOptions {
  uai: string;
  outDir: string;
  /** The ENT's identifier at the GAR, which starts every file name. */
  entId?: string;
  now?: Date;
  /** Aborted when the job is cancelled: the export stops at the next record it reads. */
  signal?: AbortSignal;
  onProgress?: (progress: { stage: string; done: number }) => void;
}

export interface GarExportResult {
  degree: GarDegree;
  /** Paths written: the XML files, then the archive and its checksum. */
  files: string[];
  /** Entries written, by element name (GAREleve, GARPersonGroupe…). */
  counts: Record<string, number>;
  problems: GarProblem[];
}

export const DEFAULT_ENT_ID = 'PASSERELLE';

export class UnknownEstablishmentError extends Error {}

const PROGRESS_EVERY = 500;

export async function exportGar(db: Kysely<Database>, options: GarExportOptions): Promise<GarExportResult> {
  const { uai, outDir, signal, onProgress } = options;
  const establishment = await activeEstablishment(db, uai);
  if (!establishment) throw new UnknownEstablishmentError(`no active establishment ${uai} in the store`);
  fs.mkdirSync(outDir, { recursive: true });

  let done = 0;
  async function* read<T>(entity: RosterEntity, map: (record: RosterRecord) => T, kinds?: readonly string[]): AsyncGenerator<T> {
    for await (const record of establishmentRoster(db, uai, entity, kinds ? { kinds } : {})) {
      signal?.throwIfAborted();
      done += 1;
      if (done % PROGRESS_EVERY === 0) onProgress?.({ stage: `reading ${entity} records of ${uai}`, done });
      yield map(record);
    }
  }
  const source: GarSource = {
    establishment: { uai, name: establishment.name, type: establishment.type, sector: establishment.sector },
    people: (kinds) => read('person', personOf, kinds),
    groups: () => read('group', groupOf),
    memberships: () => read('membership', membershipOf),
    subjects: () => read('subject', subjectOf),
  };

  const sink = new FolderSink(outDir);
  const written = await writeGar(source, (name) => sink.open(name), { entId: options.entId ?? DEFAULT_ENT_ID, now: options.now ?? new Date() })
    .then((result) => {
      signal?.throwIfAborted();
      return result;
    })
    .catch(async (error: unknown) => {
      await sink.discard();
      throw error;
    });
  onProgress?.({ stage: `packing ${written.files.length} files`, done });
  const pkg = await packGar(outDir, written.files, written.packageName);
  return {
    degree: written.degree,
    files: [...written.files, pkg.archive, pkg.checksum].map((name) => path.join(outDir, name)),
    counts: written.counts,
    problems: written.problems,
  };
}

/** Files in one folder, written with back-pressure; an export that fails takes back every file it began. */
class FolderSink {
  private readonly streams = new Set<fs.WriteStream>();
  private readonly paths: string[] = [];

  constructor(private readonly dir: string) {}

  open(name: string): GarOutput {
    const file = path.join(this.dir, name);
    const stream = fs.createWriteStream(file);
    this.streams.add(stream);
    this.paths.push(file);
    return {
      write: async (chunk) => {
        if (!stream.write(chunk)) await once(stream, 'drain');
      },
      end: async () => {
        stream.end();
        await finished(stream);
        this.streams.delete(stream);
      },
    };
  }

  async discard(): Promise<void> {
    // A stream still opening creates its file after destroy(): wait for it to close before removing. Writes it
    // still held fail with it; their errors are not the export's.
    await Promise.all([...this.streams].map((stream) => new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.on('error', () => undefined);
      stream.once('close', () => resolve());
      stream.destroy();
    })));
    this.streams.clear();
    for (const file of this.paths) fs.rmSync(file, { force: true });
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function personOf(record: RosterRecord): GarPerson {
  // The first function the source gave picks a staff member's profile (DIR, EDU, DOC…).
  const [fn] = Array.isArray(record.functions) ? (record.functions as { code?: unknown }[]) : [];
  return {
    id: record.id, kind: record.kind as GarPerson['kind'],
    familyName: text(record.familyName), givenName: text(record.givenName), birthDate: text(record.birthDate), email: text(record.email),
    ...(text(fn?.code) ? { functionCode: text(fn.code) } : {}),
  };
}

function groupOf(record: RosterRecord): GarGroup {
  const mef = record.mef as { code?: unknown; label?: unknown } | undefined;
  return {
    id: record.id, kind: record.kind as GarGroup['kind'], code: text(record.code), name: text(record.name), level: text(record.level), levelSource: text(record.levelSource),
    ...(mef && typeof mef.code === 'string' ? { mef: { code: mef.code, ...(text(mef.label) ? { label: text(mef.label) } : {}) } } : {}),
  };
}

function membershipOf(record: RosterRecord): GarMembership {
  const subjectIds = Array.isArray(record.subjectIds) ? record.subjectIds.filter((id): id is string => typeof id === 'string') : [];
  return {
    id: record.id, personId: String(record.personId), groupId: String(record.groupId), role: record.role === 'pupil' ? 'pupil' : 'teacher', endDate: text(record.endDate),
    ...(subjectIds.length ? { subjectIds } : {}),
  };
}

function subjectOf(record: RosterRecord): GarSubject {
  return { id: record.id, code: text(record.code), name: text(record.name) };
}
