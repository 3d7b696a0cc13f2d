import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import type { CanonicalOperation, ConnectorItem } from '../../connectors/kit/operation.js';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import { readStsEstablishment, uaiInFileName } from '../../connectors/sts-web/establishment.js';
import { parseStsWeb } from '../../connectors/sts-web/parse.js';
import { chunked } from '../support/bytes.js';

const FILE = 'sts_emp_0693412J_2026.xml';
// ISO-8859-1 declared, windows-1252 bytes (’ and Œ at 0x92 and 0x8C), CRLF, as STS-Web writes it.
const EXPORT = fs.readFileSync(new URL(`../fixtures/sts-web/${FILE}`, import.meta.url));

async function parse(bytes: Buffer, file = FILE): Promise<ConnectorItem[]> {
  const items: ConnectorItem[] = [];
  for await (const item of parseStsWeb(chunked(bytes, 13), { file })) items.push(item);
  return items;
}

const operationsOf = (items: ConnectorItem[]): CanonicalOperation[] => items.flatMap((i) => (i.kind === 'operation' ? [i.operation] : []));
const problemsOf = (items: ConnectorItem[]): ConnectorProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
const sourceId = (o: CanonicalOperation) => (o.record.sourceIds as Record<string, string>)['sts-web'];

async function fileProblemOf(bytes: Buffer, file = FILE): Promise<ConnectorProblem> {
  const error = await parse(bytes, file).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileProblem);
  return (error as FileProblem).problem;
}

// 20,000 teachers (about 2 MB): enough to tell reading as it streams from reading it all first.
const LARGE_EXPORT = Buffer.from([
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<STS_EDT><PARAMETRES><UAJ CODE="0693412J"/></PARAMETRES><DONNEES><INDIVIDUS>',
  ...Array.from({ length: 20_000 }, (_, i) => `<INDIVIDU ID="${i + 1}" TYPE="epp"><NOM_USAGE>NOM${i}</NOM_USAGE><PRENOM>Prénom</PRENOM><FONCTION>ENS</FONCTION></INDIVIDU>`),
  '</INDIVIDUS></DONNEES></STS_EDT>',
].join('\n'), 'utf8');

/** A source that counts how far it was read. */
function sourceReading(bytes: Buffer): { source: () => AsyncGenerator<Buffer>; bytesRead: () => number } {
  let read = 0;
  return {
    source: async function* () {
      for (let i = 0; i < bytes.length; i += 16_384) {
        read = Math.min(i + 16_384, bytes.length);
        yield bytes.subarray(i, i + 16_384);
      }
    },
    bytesRead: () => read,
  };
}

const teaches = (person: string, group: string, line: number, subjects: string[]) => ({
  entity: 'membership',
  record: { role: 'teacher', sourceIds: { 'sts-web': `${person}@${group}` } },
  links: { personId: { source: 'sts-web', id: person }, groupId: { source: 'sts-web', id: group }, subjectIds: subjects.map((id) => ({ source: 'sts-web', id })) },
  position: { file: FILE, line },
});

describe('the STS-Web connector', () => {
  it('reads subjects, people, classes and groups with their level and MEF, and one teacher membership per teacher and class or group', async () => {
    const operations = operationsOf(await parse(EXPORT));
    expect(operations.map((o) => `${o.entity} ${sourceId(o)}`)).toEqual([
      'subject 020100', 'subject 030201', 'subject 030602', 'subject 061300', 'subject 021100', 'subject 100100',
      'person 10001', 'person 10002', 'person 10003', 'person 10004', 'person 10006', 'person local:245',
      'group 3A', 'membership 10001@3A', 'membership 10002@3A', 'membership 10003@3A', 'membership local:245@3A',
      'group 3B', 'membership 10002@3B',
      'group 4A', 'membership 10006@4A', 'membership local:245@4A',
      'group 6A',
      'group 3ESP2', 'membership 10006@3ESP2',
      'group LATIN', 'membership 10001@LATIN',
    ]);
    const byId = (entity: string, id: string) => operations.find((o) => o.entity === entity && sourceId(o) === id)!;

    // The edition label, in mixed case and with its windows-1252 apostrophe; LIBELLE_COURT when it is the only one.
    expect(byId('subject', '021100')).toEqual({
      entity: 'subject', record: { code: '021100', name: 'Langues et cultures de l’Antiquité : latin', sourceIds: { 'sts-web': '021100' } }, position: { file: FILE, line: 55 },
    });
    expect(byId('subject', '100100').record).toEqual({ code: '100100', name: 'ED.PHYSIQUE & SPORT.', sourceIds: { 'sts-web': '100100' } });

    expect(byId('person', '10001')).toEqual({
      entity: 'person', record: { kind: 'teacher', familyName: 'MOREL', givenName: 'Hélène', birthDate: '1978-04-23', functions: [{ code: 'ENS' }], sourceIds: { 'sts-web': '10001' } }, position: { file: FILE, line: 88 },
    });
    expect(byId('person', '10002').record).toEqual({ kind: 'teacher', familyName: 'LECŒUR', givenName: 'Benoît', birthDate: '1983-11-02', functions: [{ code: 'ENS' }], sourceIds: { 'sts-web': '10002' } });
    // An empty NOM_USAGE gives way to NOM_PATRONYMIQUE; no DATE_NAISSANCE, no birthDate.
    expect(byId('person', '10003').record).toEqual({ kind: 'teacher', familyName: 'N’DIAYE', givenName: 'Awa', functions: [{ code: 'ENS' }], sourceIds: { 'sts-web': '10003' } });
    expect(byId('person', '10004').record).toEqual({ kind: 'staff', familyName: 'FABRE', givenName: 'Jean-Marc', birthDate: '1969-07-14', functions: [{ code: 'DIR' }], sourceIds: { 'sts-web': '10004' } });
    // A local individual without FONCTION teaches when it has DISCIPLINES; its impossible date is left out.
    expect(byId('person', 'local:245').record).toEqual({ kind: 'teacher', familyName: 'GARNIER', givenName: 'Inès', sourceIds: { 'sts-web': 'local:245' } });

    expect(byId('group', '3A')).toEqual({
      entity: 'group', record: { kind: 'division', code: '3A', name: '3EME A', level: '3E', levelSource: '10310019110', mef: { code: '10310019110', label: '3EME' }, sourceIds: { 'sts-web': '3A' } }, position: { file: FILE, line: 178 },
    });
    // An empty LIBELLE_LONG: named by its code; a MEF given as a CODE_MEF child.
    expect(byId('group', '3B').record).toEqual({ kind: 'division', code: '3B', name: '3B', level: '3E', levelSource: '10310019110', mef: { code: '10310019110', label: '3EME' }, sourceIds: { 'sts-web': '3B' } });
    // Two MEFs of two levels (a 4e-3e class), or an unknown MEF: no level, no MEF.
    expect(byId('group', '4A').record).toEqual({ kind: 'division', code: '4A', name: '4EME-3EME A', sourceIds: { 'sts-web': '4A' } });
    expect(byId('group', '6A').record).toEqual({ kind: 'division', code: '6A', name: '6EME A', sourceIds: { 'sts-web': '6A' } });
    // A group spanning two classes of one level takes that level; spanning levels, none.
    expect(byId('group', '3ESP2').record).toEqual({ kind: 'group', code: '3ESP2', name: '3EME ESPAGNOL LV2', level: '3E', levelSource: '10310019110', sourceIds: { 'sts-web': '3ESP2' } });
    expect(byId('group', 'LATIN').record).toEqual({ kind: 'group', code: 'LATIN', name: 'LATIN 4E-3E', sourceIds: { 'sts-web': 'LATIN' } });

    // A teacher of French and Latin in 3A is one member of 3A, at the line of the first service naming her, with both subjects.
    expect(byId('membership', '10001@3A')).toEqual(teaches('10001', '3A', 191, ['020100', '021100']));
    expect(byId('membership', 'local:245@4A')).toEqual(teaches('local:245', '4A', 251, ['061300']));
    expect(byId('membership', '10006@3ESP2')).toEqual(teaches('10006', '3ESP2', 279, ['030602']));
  });

  it('reports each element it cannot use, or uses in part, with its line, field and what was expected', async () => {
    const at = (line: number, field: string, code: string, severity: 'error' | 'warning', detail: string) => ({ file: FILE, line, field, code, severity, detail });
    expect(problemsOf(await parse(EXPORT))).toEqual([
      at(66, 'CODE', 'duplicate-record', 'warning', 'MATIERE 020100 is listed again; the first one is kept'),
      at(154, 'DATE_NAISSANCE', 'invalid-field', 'warning', 'DATE_NAISSANCE of INDIVIDU local:245 is "1990-02-30"; expected a date as YYYY-MM-DD; left out'),
      { ...at(165, 'PRENOM', 'invalid-field', 'error', 'INDIVIDU 10005 has no PRENOM; expected a given name'), sourceId: '10005' },
      at(170, 'ID', 'duplicate-record', 'warning', 'INDIVIDU 10002 is listed again; the first one is kept'),
      // The refused INDIVIDU 10005 is named in 3B too: its problem is not repeated there.
      at(229, 'ENSEIGNANT', 'unknown-reference', 'error', 'ENSEIGNANT 19999 of DIVISION 3B names no INDIVIDU of the export (INDIVIDUS come before STRUCTURE)'),
      at(259, 'MEF_APPARTENANCE', 'unknown-reference', 'warning', 'MEF 10010012110 is not in NOMENCLATURES/MEFS; it gives no level'),
      at(262, 'CODE', 'duplicate-record', 'warning', 'DIVISION 3A is listed again; the first one is kept'),
      at(265, 'CODE', 'invalid-field', 'error', 'DIVISION has no CODE; expected the code of the class'),
      at(289, 'DIVISION_APPARTENANCE', 'unknown-reference', 'warning', 'DIVISION_APPARTENANCE 4B names no DIVISION of the export'),
      at(299, 'CODE', 'duplicate-record', 'error', 'GROUPE 3B has the code of a DIVISION; expected classes and groups to have distinct codes'),
    ]);
  });

  it('puts a vocational class on the level of its MEF code and links only the subjects the nomenclature knows', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<STS_EDT><NOMENCLATURES>
<MATIERES><MATIERE CODE="061300"><LIBELLE_LONG>MATHEMATIQUES</LIBELLE_LONG></MATIERE></MATIERES>
<MEFS><MEF CODE="24731402320"><LIBELLE_LONG>1ERE PRO ACCUEIL</LIBELLE_LONG></MEF><MEF CODE="ZZZZ"><LIBELLE_LONG>DISPOSITIF LOCAL</LIBELLE_LONG></MEF></MEFS>
</NOMENCLATURES><DONNEES>
<INDIVIDUS><INDIVIDU ID="1" TYPE="epp"><NOM_USAGE>ROUX</NOM_USAGE><PRENOM>Paul</PRENOM><FONCTION>ENS</FONCTION></INDIVIDU></INDIVIDUS>
<STRUCTURE><DIVISIONS>
<DIVISION CODE="1PRO1"><MEFS_APPARTENANCE><MEF_APPARTENANCE CODE="24731402320"/></MEFS_APPARTENANCE>
<SERVICES><SERVICE CODE_MATIERE="061300"><ENSEIGNANTS><ENSEIGNANT ID="1" TYPE="epp"/></ENSEIGNANTS></SERVICE>
<SERVICE CODE_MATIERE="999999"><ENSEIGNANTS><ENSEIGNANT ID="1" TYPE="epp"/></ENSEIGNANTS></SERVICE></SERVICES></DIVISION>
<DIVISION CODE="LOC"><MEFS_APPARTENANCE><MEF_APPARTENANCE CODE="ZZZZ"/></MEFS_APPARTENANCE></DIVISION>
</DIVISIONS></STRUCTURE></DONNEES></STS_EDT>`;
    const items = await parse(Buffer.from(xml));
    const operations = operationsOf(items);
    expect(operations.find((o) => o.entity === 'group' && o.record.code === '1PRO1')!.record).toMatchObject({ level: '1PRO', levelSource: '24731402320' });
    const local = operations.find((o) => o.entity === 'group' && o.record.code === 'LOC')!.record;
    expect(local).toMatchObject({ levelSource: 'ZZZZ' });
    expect(local).not.toHaveProperty('level');
    expect(operations.find((o) => o.entity === 'membership')!.links!.subjectIds).toEqual([{ source: 'sts-web', id: '061300' }]);
    expect(problemsOf(items).map((p) => [p.line, p.field, p.code])).toEqual([[4, 'CODE', 'unknown-level'], [10, 'CODE_MATIERE', 'unknown-reference']]);
  });

  it('reads the same export saved in UTF-8 with a byte-order mark and LF line ends', async () => {
    const text = iconv.decode(EXPORT, 'windows-1252').replace('encoding="ISO-8859-1"', 'encoding="UTF-8"').replace(/\r\n/g, '\n');
    expect(await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toEqual(await parse(EXPORT));
  });

  it('reads ISO-8859-15, where Œ is 0xBC', async () => {
    const xml = '<?xml version="1.0" encoding="ISO-8859-15"?>\n<STS_EDT><DONNEES><INDIVIDUS>\n<INDIVIDU ID="7" TYPE="epp"><NOM_USAGE>ŒUVRARD</NOM_USAGE><PRENOM>Zoé</PRENOM><FONCTION>ENS</FONCTION></INDIVIDU>\n</INDIVIDUS></DONNEES></STS_EDT>\n';
    const bytes = iconv.encode(xml, 'iso-8859-15');
    expect(bytes.includes(0xbc)).toBe(true);
    expect(operationsOf(await parse(bytes)).map((o) => o.record)).toEqual([{ kind: 'teacher', familyName: 'ŒUVRARD', givenName: 'Zoé', functions: [{ code: 'ENS' }], sourceIds: { 'sts-web': '7' } }]);
  });

  it('stops on malformed XML with the file and line', async () => {
    const xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<STS_EDT>\r\n<NOMENCLATURES>\r\n<MATIERES>\r\n<MATIERE CODE="020100"><LIBELLE_LONG>FRANCAIS</LIBELLE_COURT></MATIERE>\r\n</MATIERES>\r\n</NOMENCLATURES>\r\n</STS_EDT>\r\n';
    expect(await fileProblemOf(Buffer.from(xml, 'latin1'))).toMatchObject({ file: FILE, line: 5, code: 'malformed-xml', severity: 'error' });
  });

  it('stops on a truncated export, naming its last line, after handing out what came before', async () => {
    const cut = EXPORT.subarray(0, EXPORT.indexOf('<DIVISION CODE="4A">'));
    const items: ConnectorItem[] = [];
    const error = await (async () => {
      for await (const item of parseStsWeb(chunked(cut, 13), { file: FILE })) items.push(item);
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FileProblem);
    expect((error as FileProblem).problem).toMatchObject({ file: FILE, line: 237, code: 'malformed-xml', severity: 'error' });
    expect(operationsOf(items).at(-1)).toMatchObject({ entity: 'membership', record: { sourceIds: { 'sts-web': '10002@3B' } } });
  });

  it('refuses the reverse file a timetable program sends to STS-Web (root EDT_STS), and any other document', async () => {
    const reverse = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<EDT_STS>\n<PARAMETRES><UAJ CODE="0693412J"/></PARAMETRES>\n<DONNEES/>\n</EDT_STS>\n';
    expect(await fileProblemOf(Buffer.from(reverse, 'latin1'), 'emp_sts.xml')).toEqual({
      file: 'emp_sts.xml', field: 'STS_EDT', code: 'unexpected-root', severity: 'error',
      detail: 'the root element is EDT_STS, the file a timetable program sends to STS-Web (emp_sts.xml); expected STS_EDT, the STS-Web export sts_emp_<UAI>_<year>.xml',
    });
    expect(await fileProblemOf(Buffer.from('<ficAlimMENESR/>'), 'x.xml')).toMatchObject({ code: 'unexpected-root', detail: expect.stringMatching(/^the root element is ficAlimMENESR; expected STS_EDT/) });
  });

  it('hands out records while the file is still being read', async () => {
    const reading = sourceReading(LARGE_EXPORT);
    for await (const item of parseStsWeb(reading.source(), { file: FILE })) {
      expect(item).toMatchObject({ kind: 'operation', operation: { record: { sourceIds: { 'sts-web': '1' } } } });
      break;
    }
    expect(reading.bytesRead()).toBeLessThan(LARGE_EXPORT.length / 4);
  });
});

describe('the establishment of an STS-Web export', () => {
  it('is the CODE of PARAMETRES/UAJ, described as UAJ describes it, read without going further', async () => {
    expect(await readStsEstablishment(chunked(EXPORT, 13), { file: FILE })).toEqual({
      uai: '0693412J', line: 4,
      description: {
        name: 'COLLEGE LES SAULES', type: 'college', academieCode: '10',
        address: { street: '12 RUE DES PEUPLIERS', postalCode: '69100', town: 'VILLEURBANNE' },
      },
    });
    const reading = sourceReading(LARGE_EXPORT);
    expect(await readStsEstablishment(reading.source(), { file: FILE })).toMatchObject({ uai: '0693412J', line: 2 });
    expect(reading.bytesRead()).toBeLessThan(LARGE_EXPORT.length / 4);
  });

  it('is also in the name STS-Web gives the file', () => {
    expect(uaiInFileName('sts_emp_0693412j_2026.xml')).toBe('0693412J');
    expect(uaiInFileName('STS_EMP_0693412J_2026.XML')).toBe('0693412J');
    expect(uaiInFileName('export.xml')).toBeUndefined();
  });
});
