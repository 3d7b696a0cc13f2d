// Every importer ends on hostile input, its store and all: the connectors' hostile bytes (see
// test/connectors/hostile-inputs.test.ts) through the importers a job runs, against the real PostgreSQL. An
// import ends with an outcome whose every problem names its file (or refuses the request itself), within a
// deadline. Bounded: a few dozen inputs per connector, the store's work being the slow part.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { ImportRequestError, type ImportOutcome } from '../../gateway/sync/importer.js';
import { importerNamed, type ConnectorName } from '../../gateway/sync/importers.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { AAF_XML, ALWAYS, ANNUAIRE_HEADERS, binary, chunks, csvLike, JSON_LIKE, ONDE_HEADERS, STS_XML } from '../support/hostile-bytes.js';
import { openTestStore } from '../support/store.js';

const DEADLINE_MS = 20_000;
const RUNS = { numRuns: 15, endOnFailure: true, examples: ALWAYS };

const store = await openTestStore('hostile_imports');
const ecole = newUai('069');
const college = newUai('069');
beforeAll(async () => {
  await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole' }));
  await putEstablishment(store.db, establishment(college, LYON));
});
afterAll(() => store.close());

/** Runs an importer over one file of hostile bytes, and says how it ended, or fails past the deadline. */
async function imported(connector: ConnectorName, file: string, input: { bytes: Buffer; chunk: number }, uai?: string): Promise<ImportOutcome | ImportRequestError> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${connector} import did not end within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  const run = importerNamed(connector)!.run(store.db, {
    files: [{ name: file, size: input.bytes.length, open: () => chunks(input.bytes, input.chunk) }],
    uai, mode: 'delta', confirmed: false, lenientIdentifiers: true, perimeter: [{ kind: 'national' }],
  }).catch((error: unknown) => {
    if (error instanceof ImportRequestError) return error;
    throw error;
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function expectNamed(outcome: ImportOutcome | ImportRequestError, file: string): void {
  if (outcome instanceof ImportRequestError) return;
  for (const problem of outcome.problems) expect([file, '(delivery)']).toContain(problem.file);
}

describe('every importer ends on any input', () => {
  it('ONDE', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvLike(ONDE_HEADERS), binary), async (input) => {
      expectNamed(await imported('onde', 'eleves.csv', input, ecole), 'eleves.csv');
    }), RUNS);
  }, 600_000);

  it('the national directory, CSV and JSON', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvLike(ANNUAIRE_HEADERS), binary), async (input) => {
      expectNamed(await imported('annuaire', 'annuaire.csv', input), 'annuaire.csv');
    }), RUNS);
    await fc.assert(fc.asyncProperty(fc.oneof(JSON_LIKE, binary), async (input) => {
      expectNamed(await imported('annuaire', 'annuaire.json', input), 'annuaire.json');
    }), RUNS);
  }, 600_000);

  it('STS-Web', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(STS_XML, binary), async (input) => {
      expectNamed(await imported('sts-web', `sts_emp_${college}_2026.xml`, input, college), `sts_emp_${college}_2026.xml`);
    }), RUNS);
  }, 600_000);

  it('AAF', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(AAF_XML, binary), async (input) => {
      expectNamed(await imported('aaf', 'ENT_Complet_20260901_Eleve_0001.xml', input), 'ENT_Complet_20260901_Eleve_0001.xml');
    }), RUNS);
  }, 600_000);
});
