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

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

const ENCODINGS = ['utf8', 'windows-1252', 'utf16le', 'utf16be'] as const;

function encoded(text: string, encoding: (typeof ENCODINGS)[number], bom: boolean): Buffer {
  const bytes = encoding === 'utf16be' ? Buffer.from(text, 'utf16le').swap16() : iconv.encode(text, encoding);
  if (!bom || encoding === 'windows-1252') return bytes;
  const marks = { utf8: [0xef, 0xbb, 0xbf], utf16le: [0xff, 0xfe], utf16be: [0xfe, 0xff] };
  return Buffer.concat([Buffer.from(marks[encoding]), bytes]);
}

/** Random bytes written over a copy of `bytes`, at random places. */
const damage = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 });
function damaged(bytes: Buffer, changes: [number, number][]): Buffer {
  const copy = Buffer.from(bytes);
  for (const [at, byte] of changes) if (copy.length > 0) copy[at % copy.length] = byte;
  return copy;
}

const cell = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('"', '""', '";"', ';', '\r\n', '\n', 'é', 'Œ', '€', '\u0000', '01/02/2016', '31/02/2016', '1234567890A', 'CE1', ''),
);

/**
 * Text shaped like a CSV export: one of the given headers (or a random one), rows of odd cells, quoted or not,
 * with any line end, repeated up to a few hundred KB (past the 64 KB the encoding is told from, and past every
 * stream's buffer), in any encoding, then damaged here and there, and cut into chunks of any size.
 */
function csvLike(headers: string[]) {
  return fc.record({
    header: fc.oneof(fc.constantFrom(...headers), fc.array(cell, { maxLength: 6 }).map((cells) => cells.join(';'))),
    rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 8 }), { maxLength: 6 }),
    quoted: fc.boolean(),
    eol: fc.constantFrom('\r\n', '\n', '\r'),
    repeat: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4000 })),
    encoding: fc.constantFrom(...ENCODINGS),
    bom: fc.boolean(),
    damage,
    chunk: fc.integer({ min: 16, max: 70_000 }),
  }).map(({ header, rows, quoted, eol, repeat, encoding, bom, damage: changes, chunk }) => {
    const line = (cells: string[]) => cells.map((c) => (quoted ? `"${c.replace(/"/g, '""')}"` : c)).join(';');
    const body = rows.map(line).join(eol);
    const text = [quoted ? line(header.split(';')) : header, ...Array.from({ length: body ? repeat : 0 }, () => body)].join(eol);
    return { bytes: damaged(encoded(text, encoding, bom), changes), chunk };
  });
}

/** Bytes of no format at all: empty, one byte, binary of any length. */
const binary = fc.record({
  bytes: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 1 }), fc.uint8Array({ maxLength: 4096 }), fc.uint8Array({ minLength: 70_000, maxLength: 200_000 })),
  chunk: fc.integer({ min: 16, max: 70_000 }),
}).map(({ bytes, chunk }) => ({ bytes: Buffer.from(bytes), chunk }));

/** A document built from a connector's element names, with odd text, any prolog, cut anywhere and damaged. */
function xmlLike(names: string[], attributes: string[]) {
  const { element } = fc.letrec<{ element: string }>((tie) => ({
    element: fc.record({
      name: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 5 })),
      attrs: fc.array(fc.tuple(fc.constantFrom(...attributes), fc.string({ maxLength: 8 })), { maxLength: 3 }),
      children: fc.array(fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 10 }).map((t) => t.replace(/[<&]/g, '')), tie('element')), { maxLength: 4 }),
    }).map(({ name, attrs, children }) => `<${name}${attrs.map(([a, v]) => ` ${a}="${v.replace(/["<&]/g, '')}"`).join('')}>${children.join('')}</${name}>`),
  }));
  return fc.record({
    prolog: fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', '<?xml version="1.0" encoding="ISO-8859-15"?>\n', '<?xml version="1.0" encoding="UTF-16"?>\n', '<?xml version="1.0" encoding="EBCDIC-FR"?>\n', '<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd">\n'),
    root: element,
    repeat: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2000 })),
    cut: fc.option(fc.nat(), { nil: undefined }),
    encoding: fc.constantFrom(...ENCODINGS),
    bom: fc.boolean(),
    damage,
    chunk: fc.integer({ min: 16, max: 70_000 }),
  }).map(({ prolog, root, repeat, cut, encoding, bom, damage: changes, chunk }) => {
    const open = root.slice(0, root.indexOf('>') + 1);
    const inner = root.slice(open.length, root.lastIndexOf('</'));
    const whole = `${prolog}${open}${inner.repeat(repeat)}${root.slice(open.length + inner.length)}`;
    const text = cut === undefined ? whole : whole.slice(0, cut % (whole.length + 1));
    return { bytes: damaged(encoded(text, encoding, bom), changes), chunk };
  });
}

const RUNS = { numRuns: 60, endOnFailure: true };
const ONDE_HEADERS = [
  "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Niveau;Libellé classe;Identifiant classe",
  'Nom élève;Prénom élève;Date naissance;Sexe;Niveau;Classe',
  'Nom élève;Prénom élève;Identifiant élève;Niveau;Classe',
  'INE;Nom;Prénom',
];
const ANNUAIRE_HEADERS = [
  'Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Code_commune;Code_departement;Code_region;Code_academie;Etat',
  'identifiant_de_l_etablissement;nom_etablissement;libelle_nature;statut_public_prive;code_commune;code_departement;code_region;code_academie',
];

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
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.dictionary(fc.constantFrom('identifiant_de_l_etablissement', 'nom_etablissement', 'etat', 'code_commune', 'x'), fc.string({ maxLength: 8 })));
    const json = fc.record({
      document: fc.oneof(fc.array(value, { maxLength: 20 }), fc.record({ records: fc.array(fc.record({ fields: value }), { maxLength: 10 }) }), fc.record({ results: fc.array(value, { maxLength: 10 }) }), value),
      depth: fc.integer({ min: 0, max: 3000 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      encoding: fc.constantFrom(...ENCODINGS),
      bom: fc.boolean(),
      damage,
      chunk: fc.integer({ min: 16, max: 70_000 }),
    }).map(({ document, depth, cut, encoding, bom, damage: changes, chunk }) => {
      const whole = `${'['.repeat(depth)}${JSON.stringify(document)}${']'.repeat(depth)}`;
      const text = cut === undefined ? whole : whole.slice(0, cut % (whole.length + 1));
      return { bytes: damaged(encoded(text, encoding, bom), changes), chunk };
    });
    await fc.assert(fc.asyncProperty(fc.oneof(json, binary), async ({ bytes, chunk }) => {
      expectReported('annuaire.json', await ending(parseAnnuaire(chunks(bytes, chunk), { file: 'annuaire.json' })));
    }), RUNS);
  }, 300_000);

  it('STS-Web: XML of its elements, cut and damaged, and binary', async () => {
    const xml = xmlLike(
      ['STS_EDT', 'PARAMETRES', 'UAJ', 'DONNEES', 'INDIVIDUS', 'INDIVIDU', 'NOM_USAGE', 'PRENOM', 'FONCTION', 'STRUCTURE', 'DIVISIONS', 'DIVISION', 'SERVICES', 'SERVICE', 'ENSEIGNANTS', 'ENSEIGNANT', 'NOMENCLATURES', 'MATIERES', 'MATIERE', 'MEFS', 'MEF'],
      ['CODE', 'ID', 'TYPE', 'CODE_MATIERE'],
    );
    await fc.assert(fc.asyncProperty(fc.oneof(xml, binary), async ({ bytes, chunk }) => {
      // A file whose root is another element stops without a line: STS-Web's reader says which root it found.
      const result = await ending(parseStsWeb(chunks(bytes, chunk), { file: 'sts_emp_0693412J_2026.xml' }));
      expectReported('sts_emp_0693412J_2026.xml', result, result.stopped?.code !== 'unexpected-root');
    }), RUNS);
  }, 300_000);

  const AAF_XML = xmlLike(
    ['ficAlimMENESR', 'addRequest', 'modifyRequest', 'deleteRequest', 'operationalAttributes', 'identifier', 'id', 'attributes', 'attr', 'value', 'modifications', 'modification'],
    ['name', 'modificationType'],
  );

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
      record: { kind: 'pupil', familyName: 'Lefèvre0', givenName: 'Zoé', birthDate: '2017-02-01', sourceIds: { onde: 'E000000' } },
    } });
    expect(items).toContainEqual({ kind: 'operation', operation: {
      entity: 'group', position: { file: 'be1d.csv', line: 3 },
      record: { kind: 'division', code: 'CE1 A', name: 'CE1 A', level: 'CE1', sourceIds: { onde: 'CE1 A' } },
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
