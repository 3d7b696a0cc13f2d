// The UDT connector on a small collège's export: files as UDT writes them (ISO-8859-1 declared, attributes
// carrying the data), cut in small chunks; the theoretical timetable, a week's own timetable compared with it,
// and the files that cannot be read.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { TimetableChange, TimetableCourse, TimetableFile, TimetableItem } from '../../connectors/kit/timetable.js';
import { parseUdt, SOURCE } from '../../connectors/udt/parse.js';
import { chunked } from '../support/bytes.js';

/** A UDCal file: the prolog on line 1, the root on line 2, so that `body[i]` is on line i + 3. */
const udcal = (body: string[]): string => ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<UDT>', ...body, '</UDT>', ''].join('\r\n');

const EXPORT: Record<string, string> = {
  'export/udcal_24.xml': udcal([
    '<annee>2026</annee>',
    '<debut_eleve>01/09/2026</debut_eleve>',
    '<fin_eleve>03/07/2027</fin_eleve>',
    '<fermeture debut="17/10/2026" fin="01/11/2026"/>',
  ]),
  'UDCal_00.xml': udcal(['<init premiere_semaine_ISO="36" duree_seq="3600"/>']),
  'semaines.xml': udcal(['<semaines>', '<semaine num="38"/>', '<semaine num="44"/>', '<semaine num="2"/>', '</semaines>']),
  'UDCal_03.xml': udcal([
    '<salle code="S01" nom="Salle 1"/>', '<salle code="S02" nom="Salle 2"/>',
    '<salle code="LAB" nom="Laboratoire de SVT"/>', '<salle code="GYM" nom="Gymnase"/>',
  ]),
  'UDCal_04.xml': udcal([
    '<prof code="P1" epj="1001" nom="DUPONT" prenom="Marie" code_matppl="MATHS"/>',
    '<prof code="P2" epj="" nom="MARTIN" prenom="Luc" code_matppl="FR"/>',
    '<prof code="P3" epj="1003" nom="LEGRAND" prenom="Élodie" code_matppl="SVT"/>',
    '<prof code="P4" epj="1004" nom="BERNARD" prenom="Paul" code_matppl="EPS"/>',
    '<prof code="P5" epj="1005" nom="PETIT" prenom="Anne" code_matppl="EPS"/>',
  ]),
  'UDCal_05.xml': udcal([
    '<mat code="FR" libelle="Français" code_gep1="020100"/>', '<mat code="MATHS" libelle="Mathématiques" code_gep1="061300"/>',
    '<mat code="SVT" libelle="SVT" code_gep1="062900"/>', '<mat code="EPS" libelle="EPS" code_gep1=""/>',
  ]),
  'UDCal_07.xml': udcal([
    '<demi_seq code="1" code_jour="1" code_site="1" hre_deb="08h00" hre_fin="09h00"/>',
    '<demi_seq code="2" code_jour="1" code_site="1" hre_deb="09h00" hre_fin="10h00"/>',
    '<demi_seq code="3" code_jour="1" code_site="1" hre_deb="10h00" hre_fin="11h00"/>',
    '<demi_seq code="01" code_jour="2" code_site="1" hre_deb="08:00" hre_fin="09:00"/>',
    '<demi_seq code="02" code_jour="2" code_site="1" hre_deb="09:00" hre_fin=""/>',
  ]),
  'UDCal_08.xml': udcal(['<div code="6A" code_gep="6A" libelle="6e A"/>', '<div code="6B" code_gep="6B" libelle="6e B"/>']),
  'UDCal_19.xml': udcal(['<gpe code="G1" code_div="6A" code_sts="6A_G1" id="11"/>', '<gpe code="G2" code_div="6A" code_sts="6A_G2" id="12"/>']),
  'UDCal_13.xml': udcal(['<rgpmt code="R1" id="5" code_gpe="" nom="LATIN5" code_div="6A"/>', '<rgpmt code="R1" id="5" code_gpe="" nom="LATIN5" code_div="6B"/>']),
  'UDCal_23.xml': udcal(['<coens lignefic="00501" prof="P2" epj=""/>']),
  'UDCal_11.xml': udcal([
    '<fiche code="001" jour="1" demi_seq="1" site="1"/>',
    '<fiche code="002" jour="1" demi_seq="2" site="1"/>',
    '<fiche code="003" jour="1" demi_seq="3" site="1"/>',
    '<fiche code="004" jour="2" demi_seq="1" site="1"/>',
    '<fiche code="005" jour="2" demi_seq="2" site="1"/>',
    '<fiche code="006" jour="1" demi_seq="9" site="1"/>', // line 8: no half-sequence 9
  ]),
  'UDCal_12.xml': udcal([
    '<ligfiche code="00101" fic="001" div="6A" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00301" fic="003" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00401" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G1" rgpmt="0" idgpe="11"/>',
    '<ligfiche code="00402" fic="004" div="6A" mat="EPS" prof="P5" salle="GYM" gpe="G2" rgpmt="0" idgpe="12"/>',
    '<ligfiche code="00501" fic="005" div="6B" mat="SVT" prof="P3" salle="LAB" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00601" fic="006" div="6B" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="0" idgpe=""/>', // line 9
    '<ligfiche code="00103" fic="001" div="" mat="" prof="P5" salle="" gpe="" rgpmt="0" idgpe=""/>',
  ]),
  // Week 38: no French on Monday, maths in room 1, G1's PE with another teacher, an extra French lesson for 6B.
  'UDCal_12_38.xml': udcal([
    '<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S01" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00301" fic="003" div="6A" mat="MATHS" prof="P1" salle="S01" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00401" fic="004" div="6A" mat="EPS" prof="P5" salle="GYM" gpe="G1" rgpmt="0" idgpe="11"/>',
    '<ligfiche code="00402" fic="004" div="6A" mat="EPS" prof="P5" salle="GYM" gpe="G2" rgpmt="0" idgpe="12"/>',
    '<ligfiche code="00501" fic="005" div="6B" mat="SVT" prof="P3" salle="LAB" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00102" fic="001" div="6B" mat="FR" prof="P2" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
  ]),
  // Week 44 falls in the autumn closure: nothing to cancel.
  'UDCal_12_44.xml': udcal([]),
  // Week 2 is in the school year's second calendar year.
  'UDCal_12_02.xml': udcal([
    '<ligfiche code="00101" fic="001" div="6A" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00301" fic="003" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
    '<ligfiche code="00401" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G1" rgpmt="0" idgpe="11"/>',
    '<ligfiche code="00402" fic="004" div="6A" mat="EPS" prof="P5" salle="GYM" gpe="G2" rgpmt="0" idgpe="12"/>',
  ]),
  // Not published by semaines.xml.
  'UDCal_12_40.xml': udcal(['<ligfiche code="00101" fic="001" div="6B" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="0" idgpe=""/>']),
  'LISEZMOI.txt': 'Export UDT',
};

function fileOf(name: string, text: string): TimetableFile {
  const bytes = iconv.encode(text, 'latin1');
  return { name, open: () => chunked(bytes, 11) };
}

/** Pupils' files hold personal data: opening one fails the test. */
const PUPILS: TimetableFile[] = ['UDCal_10.xml', 'UDCal_21.xml'].map((name) => ({
  name, open: () => { throw new Error(`${name} was opened`); },
}));

const filesOf = (overrides: Record<string, string | undefined> = {}): TimetableFile[] => [
  ...Object.entries({ ...EXPORT, ...overrides }).flatMap(([name, text]) => (text === undefined ? [] : [fileOf(name, text)])),
  ...PUPILS,
];

async function parse(files: TimetableFile[]): Promise<TimetableItem[]> {
  const items: TimetableItem[] = [];
  for await (const item of parseUdt(files, {})) items.push(item);
  return items;
}

async function fileProblemOf(files: TimetableFile[]): Promise<ConnectorProblem> {
  const error = await parse(files).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileProblem);
  return (error as FileProblem).problem;
}

const coursesOf = (items: TimetableItem[]): TimetableCourse[] => items.flatMap((i) => (i.kind === 'course' ? [i.course] : []));
const changesOf = (items: TimetableItem[]): TimetableChange[] => items.flatMap((i) => (i.kind === 'change' ? [i.change] : []));
const problemsOf = (items: TimetableItem[]): ConnectorProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
const courseAt = (courses: TimetableCourse[], weekday: number, startTime: string, group: string) =>
  courses.find((c) => c.weekday === weekday && c.startTime === startTime && c.groups.some((g) => g.code === group));

describe('UDT timetable connector', () => {
  it('names its source udt', () => {
    expect(SOURCE).toBe('udt');
  });

  it('gives the school year and its closures from UDCal_24', async () => {
    const [calendar] = (await parse(filesOf())).flatMap((i) => (i.kind === 'calendar' ? [i.calendar] : []));
    expect(calendar).toMatchObject({
      startDate: '2026-09-01', endDate: '2027-07-03',
      closures: [{ startDate: '2026-10-17', endDate: '2026-11-01' }],
      position: { file: 'export/udcal_24.xml' },
    });
  });

  it('gives rooms and subjects with their names read as ISO-8859-1', async () => {
    const items = await parse(filesOf());
    expect(items.flatMap((i) => (i.kind === 'room' ? [i.room] : []))).toContainEqual({ code: 'LAB', name: 'Laboratoire de SVT', position: { file: 'UDCal_03.xml', line: 5 } });
    const subjects = items.flatMap((i) => (i.kind === 'subject' ? [i.subject] : []));
    expect(subjects.find((s) => s.sourceId === 'MATHS')).toMatchObject({ code: '061300', name: 'Mathématiques' });
    expect(subjects.find((s) => s.sourceId === 'EPS')).toMatchObject({ code: 'EPS' });
  });

  it('makes a weekly course of a line, on its fiche-T\'s day and half-sequence, over the school year', async () => {
    const french = courseAt(coursesOf(await parse(filesOf())), 1, '08:00', '6A');
    expect(french).toEqual({
      sourceId: '6A/-/0/FR/P2@1T08:00',
      subject: { sourceId: 'FR', code: '020100', name: 'Français' },
      teachers: [{ sourceId: 'P2', familyName: 'MARTIN', givenName: 'Luc' }],
      groups: [{ code: '6A', name: '6e A', kind: 'division' }],
      rooms: [{ code: 'S01', name: 'Salle 1' }],
      weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all',
      validFrom: '2026-09-01', validTo: '2027-07-03',
      position: { file: 'UDCal_12.xml', line: 3 },
    });
  });

  it('merges the lines of consecutive fiches into one two-hour course', async () => {
    const courses = coursesOf(await parse(filesOf()));
    const maths = courses.filter((c) => c.subject?.sourceId === 'MATHS');
    expect(maths).toHaveLength(1);
    expect(maths[0]).toMatchObject({ weekday: 1, startTime: '09:00', durationMinutes: 120, teachers: [{ sourceId: '1001', familyName: 'DUPONT', givenName: 'Marie' }] });
  });

  it('keeps fiches that do not follow each other apart', async () => {
    const lines = EXPORT['UDCal_12.xml'].replace('code="00301" fic="003"', 'code="00401" fic="003"');
    const maths = coursesOf(await parse(filesOf({ 'UDCal_12.xml': lines }))).filter((c) => c.subject?.sourceId === 'MATHS');
    expect(maths.map((c) => [c.startTime, c.durationMinutes])).toEqual([['09:00', 60], ['10:00', 60]]);
  });

  it('gives a half-group lesson to its group, and a room to both groups sharing it', async () => {
    const courses = coursesOf(await parse(filesOf()));
    const pe = courses.filter((c) => c.subject?.sourceId === 'EPS');
    expect(pe.map((c) => c.groups)).toEqual([[{ code: '6A_G1', kind: 'group' }], [{ code: '6A_G2', kind: 'group' }]]);
    expect(pe.map((c) => c.rooms)).toEqual([[{ code: 'GYM', name: 'Gymnase' }], [{ code: 'GYM', name: 'Gymnase' }]]);
    // A slot without hre_fin lasts half a sequence (UDCal_00 duree_seq 3600 s → 30 minutes).
    expect(courseAt(courses, 2, '09:00', '6B')?.durationMinutes).toBe(30);
  });

  it('gives a regrouping\'s lesson to the regrouping UDCal_13 names, listed once whatever its classes', async () => {
    const lines = udcal(['<ligfiche code="00101" fic="001" div="6A" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="R1" idgpe=""/>']);
    const items = await parse(filesOf({ 'UDCal_12.xml': lines }));
    expect(coursesOf(items).map((c) => c.groups)).toEqual([[{ code: 'LATIN5', name: 'LATIN5', kind: 'group' }]]);
    expect(problemsOf(items).filter((p) => p.file === 'UDCal_13.xml')).toEqual([]);
  });

  it('adds the co-teachers of UDCal_23 to the line\'s teacher', async () => {
    const svt = courseAt(coursesOf(await parse(filesOf())), 2, '09:00', '6B');
    expect(svt?.teachers).toEqual([
      { sourceId: '1003', familyName: 'LEGRAND', givenName: 'Élodie' },
      { sourceId: 'P2', familyName: 'MARTIN', givenName: 'Luc' },
    ]);
  });

  it('refuses a fiche in an unknown half-sequence and its line, naming file, line and field, and keeps the others', async () => {
    const items = await parse(filesOf());
    const problems = problemsOf(items);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'UDCal_11.xml', line: 8, field: 'demi_seq', code: 'unknown-reference', severity: 'error' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'UDCal_12.xml', line: 9, field: 'fic', code: 'unknown-reference', severity: 'error' }));
    expect(coursesOf(items)).toHaveLength(5);
  });

  it('turns a line without a class into no course, with one warning', async () => {
    const problems = problemsOf(await parse(filesOf())).filter((p) => p.code === 'not-a-course');
    expect(problems).toEqual([expect.objectContaining({ file: 'UDCal_12.xml', line: 10, field: 'div', severity: 'warning' })]);
  });

  it('compares a week\'s own timetable with the theoretical one: cancelled, room changed, substituted, extra', async () => {
    const changes = changesOf(await parse(filesOf())).filter((c) => c.date >= '2026-09-14' && c.date <= '2026-09-20');
    const sorted = [...changes].sort((a, b) => a.sourceId.localeCompare(b.sourceId));
    expect(sorted).toEqual([
      {
        sourceId: '6A/-/0/FR/P2@1T08:00@2026-09-14', courseSourceId: '6A/-/0/FR/P2@1T08:00', date: '2026-09-14',
        status: 'cancelled', position: { file: 'UDCal_12_38.xml' },
      },
      {
        sourceId: '6A/-/0/MATHS/P1@1T09:00@2026-09-14', courseSourceId: '6A/-/0/MATHS/P1@1T09:00', date: '2026-09-14',
        status: 'room-changed', rooms: [{ code: 'S01', name: 'Salle 1' }], position: { file: 'UDCal_12_38.xml', line: 3 },
      },
      {
        sourceId: '6A/G1/0/EPS/P4@2T08:00@2026-09-15', courseSourceId: '6A/G1/0/EPS/P4@2T08:00', date: '2026-09-15',
        status: 'substituted', teachers: [{ sourceId: '1005', familyName: 'PETIT', givenName: 'Anne' }], position: { file: 'UDCal_12_38.xml', line: 5 },
      },
      {
        sourceId: 'extra:6B/-/0/FR/P2@1T08:00@2026-09-14', date: '2026-09-14', status: 'extra', startTime: '08:00', durationMinutes: 60,
        subject: { sourceId: 'FR', code: '020100', name: 'Français' },
        teachers: [{ sourceId: 'P2', familyName: 'MARTIN', givenName: 'Luc' }],
        groups: [{ code: '6B', name: '6e B', kind: 'division' }],
        rooms: [{ code: 'S02', name: 'Salle 2' }],
        position: { file: 'UDCal_12_38.xml', line: 8 },
      },
    ]);
  });

  it('takes a course of another length that week for another session: cancelled, and extra', async () => {
    const week = udcal(['<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>']);
    const changes = changesOf(await parse(filesOf({ 'UDCal_12_38.xml': week })));
    const maths = changes.filter((c) => c.sourceId.includes('MATHS') && c.date === '2026-09-14');
    expect(maths.map((c) => [c.status, c.startTime, c.durationMinutes])).toEqual([['cancelled', undefined, undefined], ['extra', '09:00', 60]]);
  });

  it('places a week number below the first week in the second calendar year, and changes nothing on closed days', async () => {
    const changes = changesOf(await parse(filesOf()));
    expect(changes.filter((c) => c.position.file === 'UDCal_12_02.xml').map((c) => [c.status, c.date, c.courseSourceId])).toEqual([
      ['cancelled', '2027-01-12', '6B/-/0/SVT/P3@2T09:00'],
    ]);
    expect(changes.filter((c) => c.position.file === 'UDCal_12_44.xml')).toEqual([]);
  });

  it('reads a week\'s own co-teachings (UDCal_23_NN) for that week only', async () => {
    const items = await parse(filesOf({ 'UDCal_23_38.xml': udcal(['<coens lignefic="00501" prof="P1" epj="1001"/>']) }));
    const change = changesOf(items).find((c) => c.courseSourceId === '6B/-/0/SVT/P3@2T09:00' && c.date === '2026-09-15');
    expect(change).toMatchObject({ status: 'substituted', teachers: [{ sourceId: '1003' }, { sourceId: '1001' }] });
  });

  it('leaves out a week semaines.xml does not publish, and files no UDT export has, each with a warning', async () => {
    const items = await parse(filesOf());
    expect(changesOf(items).some((c) => c.position.file === 'UDCal_12_40.xml')).toBe(false);
    const problems = problemsOf(items);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'UDCal_12_40.xml', code: 'unpublished-week', severity: 'warning' }));
    expect(problems.filter((p) => p.code === 'ignored-file')).toEqual([expect.objectContaining({ file: 'LISEZMOI.txt', severity: 'warning' })]);
  });

  it('stops with a FileProblem naming a required file the delivery lacks', async () => {
    expect(await fileProblemOf(filesOf({ 'UDCal_11.xml': undefined }))).toMatchObject({ file: 'UDCal_11.xml', code: 'missing-file', severity: 'error' });
  });

  it('stops with a FileProblem when a file is given twice, whatever its case and folder', async () => {
    const files = [...filesOf(), fileOf('copie/UDCAL_12.XML', EXPORT['UDCal_12.xml'])];
    expect(await fileProblemOf(files)).toMatchObject({ file: 'copie/UDCAL_12.XML', code: 'duplicate-file', severity: 'error' });
  });

  it('warns once for an optional table the delivery lacks, and names what it held by code', async () => {
    const items = await parse(filesOf({ 'UDCal_03.xml': undefined }));
    expect(problemsOf(items).filter((p) => p.file === 'UDCal_03.xml')).toEqual([expect.objectContaining({ code: 'missing-file', severity: 'warning' })]);
    expect(courseAt(coursesOf(items), 1, '08:00', '6A')?.rooms).toEqual([{ code: 'S01' }]);
  });

  it('stops with a FileProblem naming file and line for a malformed file', async () => {
    const rooms = udcal(['<salle code="S01" nom="Salle 1"/>', '<salle code="S02" nom="Salle 2">', '<salle code="LAB"/>']);
    expect(await fileProblemOf(filesOf({ 'UDCal_03.xml': rooms }))).toMatchObject({ file: 'UDCal_03.xml', line: 6, code: 'malformed-xml' });
  });

  it('stops with a FileProblem naming file and line for a truncated file', async () => {
    const whole = EXPORT['UDCal_12.xml'];
    const truncated = whole.slice(0, whole.indexOf('code="00401"') + 5);
    expect(await fileProblemOf(filesOf({ 'UDCal_12.xml': truncated }))).toMatchObject({ file: 'UDCal_12.xml', line: 6, code: 'malformed-xml' });
  });

  it('reports a reference no table knows once, and still names it by its code', async () => {
    const lines = udcal([
      '<ligfiche code="00101" fic="001" div="6A" mat="FR" prof="P9" salle="S09" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00101" fic="001" div="6B" mat="FR" prof="P9" salle="S09" gpe="" rgpmt="0" idgpe=""/>',
    ]);
    const items = await parse(filesOf({ 'UDCal_12.xml': lines }));
    const unknown = problemsOf(items).filter((p) => p.code === 'unknown-reference' && p.file === 'UDCal_12.xml');
    expect(unknown.map((p) => [p.field, p.line])).toEqual([['prof', 3], ['salle', 3]]);
    expect(coursesOf(items).map((c) => [c.teachers, c.rooms])).toEqual([[[{ sourceId: 'P9' }], [{ code: 'S09' }]], [[{ sourceId: 'P9' }], [{ code: 'S09' }]]]);
  });
});
