// Writes the invented académie into a store through the ordinary write path (putEstablishment, applyBatch),
// and sets up the embedded default: demo data in an empty store and a demo API client whose credentials are
// kept in the data folder, so every start can print them again.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../store/tables.js';
import { entityNamed } from '../model/registry.js';
import { activeRecordsFromSource, applyBatch, type Outcome } from '../store/records.js';
import { BatchRejected } from '../store/write-errors.js';
import { hasEstablishments, putEstablishment } from '../store/establishments.js';
import { refreshStatistics } from '../store/db.js';
import { createClient, getClient } from '../auth/clients.js';
import type { Scope } from '../auth/scopes.js';
import { DEMO_ACADEMIE, demoPlan, generateDemo, type DemoEstablishment, type DemoOperation, type DemoOptions } from './generate.js';

export interface SeedOptions extends DemoOptions {
  /** Operations per applyBatch call, at most 2,000 (the default). */
  batchSize?: number;
  /** Establishments written at the same time (default 4; the embedded store queues them on its one connection). */
  concurrency?: number;
}

export interface SeedProgress {
  establishmentsDone: number;
  establishmentsTotal: number;
  peopleDone: number;
  peopleTotal: number;
  recordsDone: number;
}

export interface SeedResult {
  /** Records of each kind in the demo (whatever their outcome). */
  counts: {
    establishments: number;
    people: number;
    groups: number;
    memberships: number;
    guardianLinks: number;
    subjects: number;
    rooms: number;
    academicYears: number;
    courses: number;
    timetableChanges: number;
  };
  /** What the writes did, establishments included: a second identical seed leaves everything `unchanged`. */
  outcomes: Record<Outcome, number>;
  elapsedMs: number;
}

export const MAX_BATCH = 2000;


/**
 * Seeds a demo of the given size. Idempotent: ids are deterministic, so a second run with the same options
 * changes nothing; a run with another seed or size rewrites the demo's establishments to match it (records
 * it no longer makes are deleted). Throws a RangeError on bad options, and an Error naming the establishment when the store
 * rejects a batch.
 */
export async function seedDemo(
  db: Kysely<Database>,
  options: SeedOptions = {},
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedResult> {
  const started = Date.now();
  const plan = demoPlan(options);
  const batchSize = options.batchSize ?? MAX_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH} (got ${batchSize})`);
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new RangeError(`concurrency must be an integer from 1 to 32 (got ${concurrency})`);
  }

  const counts: SeedResult['counts'] = {
    establishments: 0, people: 0, groups: 0, memberships: 0, guardianLinks: 0, subjects: 0, rooms: 0, academicYears: 0, courses: 0, timetableChanges: 0,
  };
  const outcomes: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
  const progress: SeedProgress = {
    establishmentsDone: 0, establishmentsTotal: plan.establishments, peopleDone: 0, peopleTotal: plan.people, recordsDone: 0,
  };
  const countKey: Record<DemoOperation['entity'], keyof SeedResult['counts']> = {
    person: 'people', group: 'groups', membership: 'memberships', guardianLink: 'guardianLinks', subject: 'subjects',
    room: 'rooms', academicYear: 'academicYears', course: 'courses', timetableChange: 'timetableChanges',
  };

  const writeBatch = async (uai: string, batch: DemoOperation[]): Promise<void> => {
    try {
      const result = await applyBatch(db, uai, batch);
      for (const outcome of Object.keys(outcomes) as Outcome[]) outcomes[outcome] += result.counts[outcome];
    } catch (error) {
      if (error instanceof BatchRejected) {
        const shown = error.problems.slice(0, 3).map((p) => `${p.pointer} ${p.detail}`).join('; ');
        throw new Error(`the store rejected demo records of ${uai}: ${shown}`, { cause: error });
      }
      throw error;
    }
    for (const operation of batch) {
      counts[countKey[operation.entity]] += 1;
      if (operation.entity === 'person') progress.peopleDone += 1;
    }
    progress.recordsDone += batch.length;
    onProgress?.({ ...progress });
  };

  const seedOne = async (demo: DemoEstablishment): Promise<void> => {
    const { outcome } = await putEstablishment(db, { ...demo.establishment });
    outcomes[outcome] += 1;
    counts.establishments += 1;
    progress.recordsDone += 1;
    // Operations come in dependency order (people and groups before memberships and links), so every batch
    // refers only to records of the same batch or of batches already committed.
    const uai = demo.establishment.uai;
    const written = new Set<string>();
    let batch: DemoOperation[] = [];
    for (const operation of demo.operations()) {
      batch.push(operation);
      written.add(operation.record.id as string);
      if (batch.length === batchSize) {
        await writeBatch(uai, batch);
        batch = [];
      }
    }
    if (batch.length) await writeBatch(uai, batch);
    await deleteLeftovers(uai, written);
    progress.establishmentsDone += 1;
    onProgress?.({ ...progress });
  };

  // Demo records of an earlier run that this one did not make (another seed or size) are deleted, so the
  // store holds exactly this demo: no pupil left in two classes. Only records with a `demo` source id go.
  const deleteLeftovers = async (uai: string, written: Set<string>): Promise<void> => {
    const leftovers = (await activeRecordsFromSource(db, uai, 'demo'))
      .filter((row) => !written.has(row.id))
      .sort((a, b) => entityNamed(b.entity).order - entityNamed(a.entity).order); // links before what they link
    for (let i = 0; i < leftovers.length; i += batchSize) {
      const deletes = leftovers.slice(i, i + batchSize).map((row) => ({ entity: row.entity, op: 'delete' as const, record: { id: row.id } }));
      const result = await applyBatch(db, uai, deletes);
      for (const outcome of Object.keys(outcomes) as Outcome[]) outcomes[outcome] += result.counts[outcome];
    }
  };

  // A few establishments at once: each is its own series of transactions, and the generator is shared, so
  // only the establishments in flight are in memory.
  const establishments = generateDemo(options);
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const next = establishments.next();
      if (next.done) return;
      try {
        await seedOne(next.value);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.establishments) }, worker));
  if (failure !== undefined) throw failure;
  await refreshStatistics(db);
  return { counts, outcomes, elapsedMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------
// The embedded default

/**
 * What the demo client may do: everything a consumer or a source would, reading and pushing (`sync.write`),
 * but not `admin`: its credentials are printed on the console and kept in a file, so they must not be able
 * to create clients or change perimeters. The perimeter is the demo académie.
 */
export const DEMO_CLIENT_SCOPES: readonly Scope[] = [
  'roster.read', 'roster.identifiers', 'roster.contacts', 'timetable.read', 'occupancy.read', 'aggregates.read', 'sync.write',
];
export const DEMO_CLIENT_NAME = 'Demo client';
export const DEMO_CLIENT_FILE = 'demo-client.json';

export interface DemoCredentials {
  clientId: string;
  clientSecret: string;
}

export interface EnsureDemoResult extends DemoCredentials {
  /** True when this call loaded the demo data (the store had no establishment). */
  seeded: boolean;
  /** True when this call created the demo client (no usable credentials were kept). */
  clientCreated: boolean;
}

/**
 * At start on the embedded default: loads the default demo when the store has no establishment yet, and makes
 * sure a demo client exists whose credentials are in `<dataDir>/demo-client.json` (mode 0600). Later calls
 * return the same credentials and write nothing.
 */
export async function ensureDemoData(input: {
  db: Kysely<Database>;
  dataDir: string;
  options?: SeedOptions;
  onProgress?: (progress: SeedProgress) => void;
}): Promise<EnsureDemoResult> {
  const { db, dataDir } = input;
  let seeded = false;
  if (!(await hasEstablishments(db))) {
    await seedDemo(db, input.options ?? {}, input.onProgress);
    seeded = true;
  }

  const file = path.join(dataDir, DEMO_CLIENT_FILE);
  const kept = readCredentials(file);
  if (kept) {
    const client = await getClient(db, kept.clientId);
    // A file left over from another database (or a revoked client) is replaced by a new client.
    if (client && client.status === 'active') return { ...kept, seeded, clientCreated: false };
  }
  const { client, clientSecret } = await createClient(db, {
    name: DEMO_CLIENT_NAME,
    scopes: DEMO_CLIENT_SCOPES,
    perimeter: [`academie:${DEMO_ACADEMIE.code}`],
  });
  if (!clientSecret) throw new Error('the demo client was created without a secret');
  const credentials = { clientId: client.clientId, clientSecret };
  writeCredentials(file, credentials);
  return { ...credentials, seeded, clientCreated: true };
}

function readCredentials(file: string): DemoCredentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<DemoCredentials>;
    if (typeof value.clientId === 'string' && typeof value.clientSecret === 'string') {
      return { clientId: value.clientId, clientSecret: value.clientSecret };
    }
  } catch {
    // unreadable: replaced below
  }
  return undefined;
}

function writeCredentials(file: string, credentials: DemoCredentials): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written beside and renamed, so a crash never leaves half a file; 0600 because the secret is in clear.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify({ ...credentials, createdAt: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}

/** The text printed at start: where the API and its docs are, the demo client, and two curl lines to try it. */
export function demoBanner({ baseUrl, clientId, clientSecret }: { baseUrl: string; clientId: string; clientSecret: string }): string {
  const base = baseUrl.replace(/\/+$/, '');
  const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
  // Without a `scope` parameter the token carries every scope the client holds.
  const tokenRequest = `curl -s -u ${quote(`${clientId}:${clientSecret}`)} -d grant_type=client_credentials ${base}/oauth/token`;
  return [
    'Passerelle is running with demo data: an invented académie (code ' + DEMO_ACADEMIE.code + '), every name made up.',
    '',
    `  API        ${base}/v1`,
    `  Docs       ${base}/docs`,
    '',
    `  Demo client (scopes: ${DEMO_CLIENT_SCOPES.join(', ')}; perimeter: academie:${DEMO_ACADEMIE.code})`,
    `    client_id      ${clientId}`,
    `    client_secret  ${clientSecret}`,
    '',
    "  In a shell (the README's first session reads these two variables):",
    `    export CLIENT_ID=${quote(clientId)} CLIENT_SECRET=${quote(clientSecret)}`,
    '',
    '  Get a token:',
    `    ${tokenRequest}`,
    '',
    '  List the establishments with it:',
    `    TOKEN=$(${tokenRequest} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `    curl -s -H "Authorization: Bearer $TOKEN" ${base}/v1/establishments`,
    '',
  ].join('\n');
}
