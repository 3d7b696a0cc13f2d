// Whatever bytes a connector is given (any encoding, any header, binary, empty, one byte, cut anywhere, large
// enough to fill every buffer on the way), its reading ends: items, or a FileProblem naming the file and what was
// expected. Property-based (fast-check), bounded: each connector gets a hundred or so inputs, each with a deadline.
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAnnuaire } from '../../connectors/annuaire/parse.js';
import { aafReaderThread, readAafRequests } from '../../connectors/aaf/read.js';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import { parseOnde } from '../../connectors/onde/parse.js';
import { parseStsWeb } from '../../connectors/sts-web/parse.js';
import { AAF_XML, ALWAYS, ANNUAIRE_HEADERS, binary, chunks, csvLike, JSON_LIKE, ONDE_HEADERS, STS_XML } from '../support/hostile-bytes.js';

const DEADLINE_MS = 10_000;

/** How a reading ended: what it yielded, and the FileProblem it stopped on. Anything else fails the test. */
async function ending(items: AsyncIterable<unknown>): Promise<{ count: number; problems: ConnectorProblem[]; stopped?: ConnectorProblem }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the reading did not end within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  const read = (async () => {
    let count = 0;
    const problems: ConnectorProblem[] = [];
    try {
      for await (const item of items) {
        count += 1;
        const problem = (item as { kind: string; problem?: ConnectorProblem }).problem;
        if (problem) problems.push(problem);
      }
      return { count, problems };
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      return { count, problems, stopped: error.problem };
    }
  })();
  try {
    return await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every problem names the file; one that stops the file also says where and what was expected. */
function expectReported(file: string, result: Awaited<ReturnType<typeof ending>>, withLine = true): void {
  for (const problem of result.problems) expect(problem.file).toBe(file);
  if (!result.stopped) return;
  expect(result.stopped.file).toBe(file);
  expect(result.stopped.severity).toBe('error');
  expect(result.stopped.detail).toMatch(/expected|lacks the column|not well-formed/);
  if (withLine) expect(result.stopped.line).toBeGreaterThanOrEqual(1);
}

const RUNS = { numRuns: 60, endOnFailure: true, examples: ALWAYS };
describe('every connector ends on any input', () => {
  it('ONDE: CSV of any header, encoding and damage, and binary', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvLike(ONDE_HEADERS), binary), async ({ bytes, chunk }) => {
      expectReported('eleves.csv', await ending(parseOnde(chunks(bytes, chunk), { file: 'eleves.csv' })));
    }), RUNS);
  }, 300_000);

  it('national directory, CSV: any header, encoding and damage, and binary', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvLike(ANNUAIRE_HEADERS), binary), async ({ bytes, chunk }) => {
      expectReported('annuaire.csv', await ending(parseAnnuaire(chunks(bytes, chunk), { file: 'annuaire.csv' })));
    }), RUNS);
  }, 300_000);

  it('national directory, JSON: odd documents, cut and damaged, and binary', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(JSON_LIKE, binary), async ({ bytes, chunk }) => {
      expectReported('annuaire.json', await ending(parseAnnuaire(chunks(bytes, chunk), { file: 'annuaire.json' })));
    }), RUNS);
  }, 300_000);

  it('STS-Web: XML of its elements, cut and damaged, and binary', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(STS_XML, binary), async ({ bytes, chunk }) => {
      // A file whose root is another element stops without a line: STS-Web's reader says which root it found.
      const result = await ending(parseStsWeb(chunks(bytes, chunk), { file: 'sts_emp_0693412J_2026.xml' }));
      expectReported('sts_emp_0693412J_2026.xml', result, result.stopped?.code !== 'unexpected-root');
    }), RUNS);
  }, 300_000);

  it('AAF: XML of its elements, cut and damaged, and binary', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(AAF_XML, binary), async ({ bytes, chunk }) => {
      expectReported('ENT_Complet_20260901_Eleve_0001.xml', await ending(readAafRequests(chunks(bytes, chunk), { file: 'ENT_Complet_20260901_Eleve_0001.xml' })));
    }), RUNS);
  }, 300_000);

  const thread = aafReaderThread();
  afterAll(() => thread.close());

  it('AAF, in the reader thread of the largest files: the same inputs end there too, one after the other', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(AAF_XML, binary), async ({ bytes, chunk }) => {
      expectReported('ENT_Complet_20260901_Eleve_0002.xml', await ending(thread.read(chunks(bytes, chunk), { file: 'ENT_Complet_20260901_Eleve_0002.xml' })));
    }), { ...RUNS, numRuns: 25 });
  }, 300_000);
});

describe('an export from before ONDE (BE1D: every field quoted, CRLF, ISO-8859-1, no INE, "Classe")', () => {
  /** Enough pupils to pass every buffer on the way: the reading that hung stopped at a header past them. */
  function be1d(header: string[], row: (i: number) => string[]): Buffer {
    const line = (cells: string[]) => cells.map((c) => `"${c}"`).join(';');
    return iconv.encode([line(header), ...Array.from({ length: 2000 }, (_, i) => line(row(i)))].join('\r\n') + '\r\n', 'latin1');
  }

  it('imports its pupils by their BE1D id, in the classes it names', async () => {
    const bytes = be1d(['Nom élève', 'Prénom élève', 'Date naissance', 'Sexe', 'Identifiant élève', 'Niveau', 'Classe'],
      (i) => [`Lefèvre${i}`, 'Zoé', '01/02/2017', 'F', `E${String(i).padStart(6, '0')}`, 'CE1', i % 2 ? 'CE1 A' : 'CE1 B']);
    const result = await ending(parseOnde(chunks(bytes, 65_536), { file: 'be1d.csv' }));
    expect(result.stopped).toBeUndefined();
    expect(result.problems).toEqual([]);
    const items: unknown[] = [];
    for await (const item of parseOnde(chunks(bytes, 65_536), { file: 'be1d.csv' })) items.push(item);
    expect(items).toContainEqual({ kind: 'operation', operation: {
      entity: 'person', position: { file: 'be1d.csv', line: 2 },
      record: { kind: 'pupil', familyName: 'Lefèvre0', givenName: 'Zoé', level: 'CE1', levelSource: 'CE1', birthDate: '2017-02-01', sourceIds: { onde: 'E000000' } },
    } });
    expect(items).toContainEqual({ kind: 'operation', operation: {
      entity: 'group', position: { file: 'be1d.csv', line: 3 },
      record: { kind: 'division', code: 'CE1 A', name: 'CE1 A', level: 'CE1', levelSource: 'CE1', sourceIds: { onde: 'CE1 A' } },
    } });
    expect(result.count).toBe(2 + 2000 * 2);
  });

  it('without any pupil identifier, stops at its header naming the columns expected', async () => {
    const bytes = be1d(['Nom élève', 'Prénom élève', 'Date naissance', 'Sexe', 'Niveau', 'Classe'], (i) => [`Lefèvre${i}`, 'Zoé', '01/02/2017', 'F', 'CE1', 'CE1 A']);
    const result = await ending(parseOnde(chunks(bytes, 65_536), { file: 'be1d.csv' }));
    expect(result.stopped).toEqual({
      file: 'be1d.csv', line: 1, field: 'INE', code: 'missing-column', severity: 'error',
      detail: 'the header lacks the column "INE" or "Identifiant élève" or "ID élève" or "Numéro élève"',
    });
  });
});
