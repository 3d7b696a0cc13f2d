// Hostile bytes for property-based tests (fast-check): text shaped like a connector's format (CSV rows, XML of
// its element names, JSON) in any encoding, repeated past every buffer, damaged and cut; and plain binary.
import fc from 'fast-check';
import iconv from 'iconv-lite';

/** The bytes in chunks of `size`, as a stream gives them. */
export async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

export const ENCODINGS = ['utf8', 'windows-1252', 'utf16le', 'utf16be'] as const;

export function encoded(text: string, encoding: (typeof ENCODINGS)[number], bom: boolean): Buffer {
  const bytes = encoding === 'utf16be' ? Buffer.from(text, 'utf16le').swap16() : iconv.encode(text, encoding);
  if (!bom || encoding === 'windows-1252') return bytes;
  const marks = { utf8: [0xef, 0xbb, 0xbf], utf16le: [0xff, 0xfe], utf16be: [0xfe, 0xff] };
  return Buffer.concat([Buffer.from(marks[encoding]), bytes]);
}

/** Random bytes written over a copy of `bytes`, at random places. */
export const damage = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 });
export function damaged(bytes: Buffer, changes: [number, number][]): Buffer {
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
export function csvLike(headers: string[]) {
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
export const binary = fc.record({
  bytes: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 1 }), fc.uint8Array({ maxLength: 4096 }), fc.uint8Array({ minLength: 70_000, maxLength: 200_000 })),
  chunk: fc.integer({ min: 16, max: 70_000 }),
}).map(({ bytes, chunk }) => ({ bytes: Buffer.from(bytes), chunk }));

/** A document built from a connector's element names, with odd text, any prolog, cut anywhere and damaged. */
export function xmlLike(names: string[], attributes: string[]) {
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

/** Headers of ONDE's export, the BE1D-era one (with and without a pupil id), and a bare one. */
export const ONDE_HEADERS = [
  "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Niveau;Libellé classe;Identifiant classe",
  'Nom élève;Prénom élève;Date naissance;Sexe;Niveau;Classe',
  'Nom élève;Prénom élève;Identifiant élève;Niveau;Classe',
  'INE;Nom;Prénom',
];
/** The national directory's current and older headers. */
export const ANNUAIRE_HEADERS = [
  'Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Code_commune;Code_departement;Code_region;Code_academie;Etat',
  'identifiant_de_l_etablissement;nom_etablissement;libelle_nature;statut_public_prive;code_commune;code_departement;code_region;code_academie',
];

const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.dictionary(fc.constantFrom('identifiant_de_l_etablissement', 'nom_etablissement', 'etat', 'code_commune', 'x'), fc.string({ maxLength: 8 })));
/** JSON shaped like the directory's exports (an array, `records`, `results`, or a bare value), nested, cut, damaged. */
export const JSON_LIKE = fc.record({
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

/** Documents of STS-Web's element names. */
export const STS_XML = xmlLike(
  ['STS_EDT', 'PARAMETRES', 'UAJ', 'DONNEES', 'INDIVIDUS', 'INDIVIDU', 'NOM_USAGE', 'PRENOM', 'FONCTION', 'STRUCTURE', 'DIVISIONS', 'DIVISION', 'SERVICES', 'SERVICE', 'ENSEIGNANTS', 'ENSEIGNANT', 'NOMENCLATURES', 'MATIERES', 'MATIERE', 'MEFS', 'MEF'],
  ['CODE', 'ID', 'TYPE', 'CODE_MATIERE'],
);

/** Documents of AAF's element names. */
export const AAF_XML = xmlLike(
  ['ficAlimMENESR', 'addRequest', 'modifyRequest', 'deleteRequest', 'operationalAttributes', 'identifier', 'id', 'attributes', 'attr', 'value', 'modifications', 'modification'],
  ['name', 'modificationType'],
);

/** Inputs every property is also run on, whatever fast-check draws: an empty file, a file of one byte. */
export const ALWAYS: [{ bytes: Buffer; chunk: number }][] = [[{ bytes: Buffer.alloc(0), chunk: 16 }], [{ bytes: Buffer.from('A'), chunk: 16 }], [{ bytes: Buffer.from([0xff]), chunk: 16 }]];
