import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { TimetableCourse, TimetableItem } from '../../connectors/kit/timetable.js';
import { parseStsEdt } from '../../connectors/sts-edt/parse.js';
import { chunked } from '../support/bytes.js';

const FILE = 'emp_sts.xml';

const cours = (jour: number, debut: string, duree: string, salle: string, alternance?: string) =>
  `<COURS><CODE_SALLE>${salle}</CODE_SALLE><JOUR>${jour}</JOUR><HEURE_DEBUT>${debut}</HEURE_DEBUT><DUREE>${duree}</DUREE>${alternance ? `<CODE_ALTERNANCE>${alternance}</CODE_ALTERNANCE>` : ''}</COURS>`;
const service = (matiere: string, teachers: [string, string][]) =>
  `<SERVICE CODE_MATIERE="${matiere}" CODE_MOD_COURS="CG"><ENSEIGNANTS>${teachers.map(([id, lessons]) => `<ENSEIGNANT ID="${id}" TYPE="epp"><COURS_RATTACHES>${lessons}</COURS_RATTACHES></ENSEIGNANT>`).join('')}</ENSEIGNANTS></SERVICE>`;

// Shaped like what EDT writes for STS-Web: ISO-8859-1 declared (windows-1252 bytes), CRLF, one element a line.
const EXPORT = [
  '<?xml version="1.0" encoding="ISO-8859-1"?>',
  '<EDT_STS>',
  '<PARAMETRES><UAJ CODE="0693412j"/><ANNEE_SCOLAIRE ANNEE="2026"><DATE_DEBUT>01/09/2026</DATE_DEBUT><DATE_FIN>03/07/2027</DATE_FIN></ANNEE_SCOLAIRE></PARAMETRES>',
  '<NOMENCLATURES><MATIERES><MATIERE CODE="061300"><LIBELLE_EDITION>Mathématiques</LIBELLE_EDITION></MATIERE></MATIERES></NOMENCLATURES>',
  '<DONNEES>',
  '<INDIVIDUS><INDIVIDU ID="101" TYPE="epp"><NOM_USAGE>DUPONT</NOM_USAGE><PRENOM>Anne</PRENOM></INDIVIDU><INDIVIDU ID="102" TYPE="epp"><NOM_USAGE>CŒUR</NOM_USAGE><PRENOM>Léa</PRENOM></INDIVIDU></INDIVIDUS>',
  '<STRUCTURE><DIVISIONS>',
  `<DIVISION CODE="4A"><SERVICES>${service('061300', [['101', cours(1, '0800', '0100', 'S12') + cours(3, '1000', '0100', 'S12', 'A')]])}</SERVICES></DIVISION>`,
  // Co-teaching: the same slot under two teachers of one service, and under a second service's teacher.
  `<DIVISION CODE="4B"><SERVICES>${service('030201', [['101', cours(2, '1400', '0200', 'LAB', 'H')], ['102', cours(2, '1400', '0200', 'LAB', 'H')]])}</SERVICES></DIVISION>`,
  '</DIVISIONS><GROUPES>',
  // Half groups of 4A: one room each, week A and week B.
  `<GROUPE CODE="4A_G1"><SERVICES>${service('030201', [['102', cours(4, '0900', '0100', 'LAB', 'A')]])}</SERVICES></GROUPE>`,
  `<GROUPE CODE="4A_G2"><SERVICES>${service('030201', [['102', cours(4, '0900', '0100', 'LAB', 'B')]])}</SERVICES></GROUPE>`,
  // Two groups in one room at once (sport): one course with both.
  `<GROUPE CODE="EPS_F"><SERVICES>${service('100100', [['101', cours(5, '1300', '0200', 'GYM')]])}</SERVICES></GROUPE>`,
  `<GROUPE CODE="EPS_G"><SERVICES>${service('100100', [['102', cours(5, '1300', '0200', 'GYM')]])}</SERVICES></GROUPE>`,
  `<GROUPE CODE="BAD"><SERVICES>${service('100100', [['102', cours(9, '1300', '0200', 'GYM')]])}</SERVICES></GROUPE>`,
  '</GROUPES></STRUCTURE>',
  '<ALTERNANCES>',
  '<ALTERNANCE CODE="A"><LIBELLE_COURT>Sem A</LIBELLE_COURT><LIBELLE_LONG>Semaine A</LIBELLE_LONG><SEMAINES><DATE_DEBUT_SEMAINE>31/08/2026</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>2026-09-16</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>',
  '<ALTERNANCE CODE="B"><LIBELLE_COURT>Sem B</LIBELLE_COURT><SEMAINES><DATE_DEBUT_SEMAINE>07/09/2026</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>31/02/2026</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>',
  '</ALTERNANCES>',
  '<SALLES><SALLE_COURS CODE="LAB"><LIBELLE_LONG>Laboratoire</LIBELLE_LONG><CAPACITE>24</CAPACITE></SALLE_COURS></SALLES>',
  '</DONNEES>',
  '</EDT_STS>',
].join('\r\n');

async function parse(bytes: Buffer, file = FILE): Promise<TimetableItem[]> {
  const items: TimetableItem[] = [];
  for await (const item of parseStsEdt([{ name: file, open: () => chunked(bytes, 17) }], {})) items.push(item);
  return items;
}
const bytesOf = (text: string) => iconv.encode(text, 'windows-1252');
const coursesOf = (items: TimetableItem[]) => items.flatMap((i) => (i.kind === 'course' ? [i.course] : []));
const problemsOf = (items: TimetableItem[]) => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
const courseAt = (courses: TimetableCourse[], weekday: number, startTime: string) => courses.filter((c) => c.weekday === weekday && c.startTime === startTime);

async function fileProblemOf(bytes: Buffer): Promise<ConnectorProblem> {
  const error = await parse(bytes).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileProblem);
  return (error as FileProblem).problem;
}

describe('sts-edt: the EDT_STS file a timetable program sends to STS-Web', () => {
  it('names the establishment and its school year, with the alternations and the Mondays of their weeks', async () => {
    const items = await parse(bytesOf(EXPORT));
    expect(items.find((i) => i.kind === 'establishment')).toEqual({ kind: 'establishment', uai: '0693412J', position: { file: FILE, line: 3 } });
    const calendar = items.find((i) => i.kind === 'calendar');
    expect(calendar?.kind === 'calendar' && calendar.calendar).toMatchObject({
      startDate: '2026-09-01', endDate: '2027-07-03',
      alternations: [{ label: 'A', name: 'Semaine A', weeks: ['2026-08-31', '2026-09-14'] }, { label: 'B', name: 'Sem B', weeks: ['2026-09-07'] }],
    });
    expect(problemsOf(items)).toContainEqual(expect.objectContaining({ field: 'DATE_DEBUT_SEMAINE', line: 19, severity: 'warning' }));
  });

  it('gives rooms and subjects, described or only named by the lessons', async () => {
    const items = await parse(bytesOf(EXPORT));
    const rooms = items.flatMap((i) => (i.kind === 'room' ? [i.room] : []));
    expect(rooms.find((r) => r.code === 'LAB')).toMatchObject({ name: 'Laboratoire', capacity: 24 });
    expect(rooms.map((r) => r.code).sort()).toEqual(['GYM', 'LAB', 'S12']);
    const subjects = items.flatMap((i) => (i.kind === 'subject' ? [i.subject] : []));
    expect(subjects.find((s) => s.code === '061300')?.name).toBe('Mathématiques');
    expect(subjects.map((s) => s.code).sort()).toEqual(['030201', '061300', '100100']);
  });

  it('reads JOUR 1 as Monday, HHMM times and durations, and an A/B alternation', async () => {
    const courses = coursesOf(await parse(bytesOf(EXPORT)));
    const [monday] = courseAt(courses, 1, '08:00');
    expect(monday).toMatchObject({
      subject: { code: '061300' }, teachers: [{ sourceId: '101', familyName: 'DUPONT', givenName: 'Anne' }],
      groups: [{ code: '4A', kind: 'division' }], rooms: [{ code: 'S12' }], durationMinutes: 60, weeks: 'all',
    });
    expect(courseAt(courses, 3, '10:00')[0].weeks).toEqual({ alternation: 'A' });
  });

  it('makes one course of a co-taught slot, with both teachers; H is every week', async () => {
    const courses = courseAt(coursesOf(await parse(bytesOf(EXPORT))), 2, '14:00');
    expect(courses).toHaveLength(1);
    expect(courses[0].teachers.map((t) => t.familyName)).toEqual(['DUPONT', 'CŒUR']);
    expect(courses[0]).toMatchObject({ durationMinutes: 120, weeks: 'all', groups: [{ code: '4B', kind: 'division' }] });
  });

  it('keeps half groups on alternate weeks apart, and makes one course of two groups in one room', async () => {
    const courses = coursesOf(await parse(bytesOf(EXPORT)));
    const halves = courseAt(courses, 4, '09:00');
    expect(halves.map((c) => [c.groups, c.weeks])).toEqual([
      [[{ sourceId: '4A_G1', code: '4A_G1', kind: 'group' }], { alternation: 'A' }],
      [[{ sourceId: '4A_G2', code: '4A_G2', kind: 'group' }], { alternation: 'B' }],
    ]);
    const sport = courseAt(courses, 5, '13:00');
    expect(sport).toHaveLength(1);
    expect(sport[0].groups.map((g) => g.code)).toEqual(['EPS_F', 'EPS_G']);
    expect(sport[0].teachers.map((t) => t.sourceId)).toEqual(['101', '102']);
  });

  it('reports a lesson on an impossible day and goes on', async () => {
    const items = await parse(bytesOf(EXPORT));
    expect(problemsOf(items)).toContainEqual(expect.objectContaining({ file: FILE, line: 15, field: 'JOUR', severity: 'error' }));
    expect(coursesOf(items)).toHaveLength(6);
  });

  it('refuses the STS-Web export, and a truncated file at its line', async () => {
    expect(await fileProblemOf(bytesOf('<?xml version="1.0"?>\n<STS_EDT><PARAMETRES/></STS_EDT>'))).toMatchObject({ code: 'unexpected-root', detail: expect.stringContaining('STS_EDT') });
    const truncated = EXPORT.slice(0, EXPORT.indexOf('</GROUPES>'));
    expect(await fileProblemOf(bytesOf(truncated))).toMatchObject({ file: FILE, code: 'malformed-xml', line: 16 });
  });

  it('reads a UAJ given as text, and keeps an alternation no ALTERNANCE defines with a warning', async () => {
    const items = await parse(bytesOf([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<EDT_STS><PARAMETRES><UAJ>0693412J</UAJ></PARAMETRES><DONNEES><STRUCTURE><DIVISIONS>',
      `<DIVISION CODE="3A"><SERVICES>${service('061300', [['7', cours(1, '0800', '0100', 'S1', 'Q1')]])}</SERVICES></DIVISION>`,
      '</DIVISIONS></STRUCTURE></DONNEES></EDT_STS>',
    ].join('\n')));
    expect(items[0]).toEqual({ kind: 'establishment', uai: '0693412J', position: { file: FILE, line: 2 } });
    expect(coursesOf(items)[0]).toMatchObject({ weeks: { alternation: 'Q1' }, teachers: [{ sourceId: '7' }] });
    expect(problemsOf(items)).toEqual([expect.objectContaining({ code: 'unknown-reference', field: 'CODE_ALTERNANCE', line: 3, severity: 'warning' })]);
  });
});
