import { describe, expect, it } from 'vitest';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { TimetableChange, TimetableCourse, TimetableItem } from '../../connectors/kit/timetable.js';
import { parseIcal } from '../../connectors/ical/parse.js';
import { chunked } from '../support/bytes.js';

const FILE = 'Edt_4A.ics';

const calendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

/** A lesson as Pronote exports it: UTC times, each lesson its own event, the status in CATEGORIES and SUMMARY. */
function pronoteLesson(uid: string, start: string, end: string, subject: string, teacher: string, room: string, status?: string, group?: string): string[] {
  return [
    'BEGIN:VEVENT',
    `CATEGORIES:Cours${status ? ` - ${status}` : ''}`,
    'DTSTAMP:20260224T102543Z',
    `UID:${uid}`,
    `DTSTART:${start}`,
    `DTEND:${end}`,
    `SUMMARY;LANGUAGE=fr:${status ? `${status} : ` : ''}${subject} - ${teacher}${group ? ` - [${group}] - <4A> ${group}` : ''}`,
    `LOCATION;LANGUAGE=fr:${room}`,
    `DESCRIPTION;LANGUAGE=fr:${status ? `${status}\\n` : ''}Matière : ${subject.replace('&', '&amp\\;')}\\nProfesseur : ${teacher}\\n${group ? `Groupe : [${group}]\\nPartie de classe : &lt\\;4A&gt\\; ${group}\\n` : ''}Salle : ${room}\\n`,
    'END:VEVENT',
  ];
}

const PARIS_VTIMEZONE = (tzid: string) => [
  'BEGIN:VTIMEZONE', `TZID:${tzid}`,
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];

async function parse(text: string, file = FILE): Promise<TimetableItem[]> {
  const items: TimetableItem[] = [];
  for await (const item of parseIcal([{ name: file, open: () => chunked(Buffer.from(text, 'utf8'), 64) }], {})) items.push(item);
  return items;
}
const coursesOf = (items: TimetableItem[]): TimetableCourse[] => items.flatMap((i) => (i.kind === 'course' ? [i.course] : []));
const changesOf = (items: TimetableItem[]): TimetableChange[] => items.flatMap((i) => (i.kind === 'change' ? [i.change] : []));
const problemsOf = (items: TimetableItem[]): ConnectorProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));

async function fileProblemOf(source: () => AsyncIterable<Buffer>): Promise<ConnectorProblem> {
  const run = async () => {
    for await (const _ of parseIcal([{ name: FILE, open: source }], {})) { /* read to the end */ }
  };
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileProblem);
  return (error as FileProblem).problem;
}
const textProblemOf = (text: string) => fileProblemOf(() => chunked(Buffer.from(text, 'utf8'), 64));

// Three Mondays of September 2026 at 09:25 Paris (07:25 UTC), the third one cancelled; a Pronote UTC export.
const PRONOTE = calendar(
  'METHOD:PUBLISH', 'X-CALSTART:20260831T000000Z', 'X-CALEND:20270703T000000Z',
  ...pronoteLesson('Cours-1-1-X', '20260907T072500Z', '20260907T082000Z', 'SCIENCES VIE & TERRE', 'MARTIN S.', '201 SCIENCES', undefined, '4A_G1'),
  ...pronoteLesson('Cours-1-2-X', '20260914T072500Z', '20260914T082000Z', 'SCIENCES VIE & TERRE', 'MARTIN S.', '201 SCIENCES', undefined, '4A_G1'),
  ...pronoteLesson('Cours-1-3-X', '20260921T072500Z', '20260921T082000Z', 'SCIENCES VIE & TERRE', 'MARTIN S.', '201 SCIENCES', 'Cours annulé', '4A_G1'),
  // Across the DST change (25 October 2026): 08:00 Paris is 06:00 UTC, then 07:00 UTC.
  ...pronoteLesson('Cours-2-1-X', '20261019T060000Z', '20261019T070000Z', 'MATHEMATIQUES', 'LEROY P.', '208'),
  ...pronoteLesson('Cours-2-2-X', '20261026T070000Z', '20261026T080000Z', 'MATHEMATIQUES', 'LEROY P.', '208'),
  ...pronoteLesson('Cours-2-3-X', '20261102T070000Z', '20261102T080000Z', 'MATHEMATIQUES', 'LEROY P.', '208', 'Prof. absent'),
  ...pronoteLesson('Cours-2-4-X', '20261109T070000Z', '20261109T080000Z', 'MATHEMATIQUES', 'LEROY P.', '104', 'Changement de salle'),
  ...pronoteLesson('Cours-3-1-X', '20260902T063000Z', '20260902T093500Z', 'Accueil rentrée', 'MOREAU J.', '203 SCIENCES', 'Exceptionnel'),
);

// The same September lessons given in Paris time, with a TZID naming an embedded VTIMEZONE (not an IANA id),
// one event repeating the UID of another (each lesson its own event), and an exact repeat.
const TZID_EXPORT = calendar(
  ...PARIS_VTIMEZONE('Paris, Madrid'),
  ...['20260907', '20260914', '20260921', '20260921'].flatMap((day) => [
    'BEGIN:VEVENT', 'UID:svt-4a', `DTSTART;TZID="Paris, Madrid":${day}T092500`, 'DURATION:PT55M',
    'SUMMARY:SCIENCES VIE & TERRE - MARTIN S.', 'LOCATION:201 SCIENCES', 'END:VEVENT',
  ]),
);

const RECURRING = calendar(
  'X-WR-TIMEZONE:Europe/Paris',
  'BEGIN:VEVENT', 'UID:maths-4a', 'DTSTART;TZID=Europe/Paris:20261013T100000', 'DTEND;TZID=Europe/Paris:20261013T110000',
  'RRULE:FREQ=WEEKLY;UNTIL=20261117T235959Z', 'EXDATE;TZID=Europe/Paris:20261020T100000',
  'SUMMARY:MATHEMATIQUES - M. LEROY - 4A', 'LOCATION:S12, S13', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:maths-4a', 'RECURRENCE-ID;TZID=Europe/Paris:20261103T100000',
  'DTSTART;TZID=Europe/Paris:20261104T140000', 'DTEND;TZID=Europe/Paris:20261104T150000',
  'SUMMARY:MATHEMATIQUES - M. LEROY - 4A', 'LOCATION:S12, S13', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:maths-4a', 'RECURRENCE-ID;TZID=Europe/Paris:20261110T100000',
  'DTSTART;TZID=Europe/Paris:20261110T100000', 'DTEND;TZID=Europe/Paris:20261110T110000',
  'SUMMARY:MATHEMATIQUES - M. LEROY - 4A', 'LOCATION:CDI', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:maths-4a', 'RECURRENCE-ID;TZID=Europe/Paris:20261117T100000',
  'DTSTART;TZID=Europe/Paris:20261117T100000', 'DTEND;TZID=Europe/Paris:20261117T110000', 'STATUS:CANCELLED',
  'SUMMARY:MATHEMATIQUES - M. LEROY - 4A', 'END:VEVENT',
);

describe('ical: iCalendar timetable exports', () => {
  it('reads a Pronote export: subject, teacher, group and room, a course of the ISO weeks it runs', async () => {
    const items = await parse(PRONOTE);
    const [svt] = coursesOf(items).filter((c) => c.subject?.name === 'SCIENCES VIE & TERRE');
    expect(svt).toMatchObject({
      weekday: 1, startTime: '09:25', durationMinutes: 55, weeks: { isoWeeks: [37, 38, 39] }, validFrom: '2026-09-07', validTo: '2026-09-21',
      teachers: [{ familyName: 'MARTIN', name: 'MARTIN S.' }], groups: [{ code: '4A_G1', kind: 'group' }], rooms: [{ code: '201 SCIENCES' }],
    });
    expect(items.some((i) => i.kind === 'establishment')).toBe(false);
    expect(items.flatMap((i) => (i.kind === 'subject' ? [i.subject.code] : []))).toEqual(['SCIENCES VIE & TERRE', 'MATHEMATIQUES', 'Accueil rentrée']);
    expect(items.flatMap((i) => (i.kind === 'room' ? [i.room.code] : []))).toEqual(['201 SCIENCES', '208', '104', '203 SCIENCES']);
  });

  it('keeps a lesson cancelled only in its SUMMARY in its course, with a cancelled change', async () => {
    const items = await parse(PRONOTE);
    const svt = coursesOf(items).find((c) => c.subject?.name === 'SCIENCES VIE & TERRE')!;
    expect(changesOf(items).filter((c) => c.courseSourceId === svt.sourceId)).toEqual([
      expect.objectContaining({ date: '2026-09-21', status: 'cancelled', reasonText: 'Cours annulé', position: { file: FILE, line: 27 } }),
    ]);
  });

  it('keeps 08:00 Paris across the DST change; a teacher absence and a room change are changes of the course', async () => {
    const items = await parse(PRONOTE);
    const maths = coursesOf(items).filter((c) => c.subject?.name === 'MATHEMATIQUES');
    expect(maths).toHaveLength(1);
    expect(maths[0]).toMatchObject({ weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: { isoWeeks: [43, 44, 45, 46] }, validTo: '2026-11-09', rooms: [{ code: '208' }] });
    const changes = changesOf(items).filter((c) => c.courseSourceId === maths[0].sourceId);
    expect(changes).toEqual([
      expect.objectContaining({ date: '2026-11-02', status: 'cancelled', reason: 'teacher-absence' }),
      expect.objectContaining({ date: '2026-11-09', status: 'room-changed', rooms: [{ sourceId: '104', code: '104' }] }),
    ]);
  });

  it('makes an exceptional lesson an extra session', async () => {
    const extra = changesOf(await parse(PRONOTE)).find((c) => c.status === 'extra');
    expect(extra).toMatchObject({ date: '2026-09-02', newDate: '2026-09-02', startTime: '08:30', durationMinutes: 185, subject: { name: 'Accueil rentrée' }, reasonText: 'Exceptionnel' });
    expect(extra?.courseSourceId).toBeUndefined();
  });

  it('gives the same local times from a TZID export (embedded VTIMEZONE), events repeated under one UID', async () => {
    const items = await parse(TZID_EXPORT);
    const courses = coursesOf(items);
    expect(courses).toHaveLength(1);
    expect(courses[0]).toMatchObject({ weekday: 1, startTime: '09:25', durationMinutes: 55, weeks: { isoWeeks: [37, 38, 39] } });
    expect(problemsOf(items)).toEqual([expect.objectContaining({ code: 'duplicate-record', field: 'UID', severity: 'warning' })]);
  });

  it('expands an RRULE on its wall clock across the DST change, without its EXDATE, with a moved, a room-changed and a cancelled occurrence', async () => {
    const items = await parse(RECURRING);
    const courses = coursesOf(items);
    expect(courses).toHaveLength(1);
    expect(courses[0]).toMatchObject({
      weekday: 2, startTime: '10:00', durationMinutes: 60, weeks: { isoWeeks: [42, 44, 45, 46, 47] }, validFrom: '2026-10-13', validTo: '2026-11-17',
      rooms: [{ code: 'S12' }, { code: 'S13' }], groups: [{ code: '4A' }], teachers: [{ familyName: 'LEROY', name: 'M. LEROY' }],
    });
    expect(changesOf(items)).toEqual([
      expect.objectContaining({ courseSourceId: courses[0].sourceId, date: '2026-11-03', status: 'moved', newDate: '2026-11-04', startTime: '14:00', durationMinutes: 60 }),
      expect.objectContaining({ date: '2026-11-10', status: 'room-changed', rooms: [{ sourceId: 'CDI', code: 'CDI' }] }),
      expect.objectContaining({ date: '2026-11-17', status: 'cancelled' }),
    ]);
  });

  it('reports an event whose date cannot be read, and reads the others', async () => {
    const text = PRONOTE.replace('DTSTART:20260914T072500Z', 'DTSTART:2026XXXX');
    const items = await parse(text);
    expect(problemsOf(items)).toEqual([expect.objectContaining({ file: FILE, line: 21, field: 'DTSTART', severity: 'error' })]);
    expect(coursesOf(items).find((c) => c.subject?.name === 'SCIENCES VIE & TERRE')?.weeks).toEqual({ isoWeeks: [37, 39] });
  });

  it('stops a malformed file at its line', async () => {
    const lines = PRONOTE.split('\r\n');
    lines.splice(20, 0, 'this is not a content line');
    expect(await textProblemOf(lines.join('\r\n'))).toMatchObject({ file: FILE, line: 21, code: 'malformed-icalendar' });
    expect(await textProblemOf(PRONOTE.replace('END:VEVENT', 'END:VTODO'))).toMatchObject({ line: 16, detail: expect.stringContaining('BEGIN:VEVENT of line 7') });
    expect(await textProblemOf('<html><body>Not found</body></html>')).toMatchObject({ line: 1, code: 'malformed-icalendar' });
  });

  it('stops a truncated file at its last line', async () => {
    const truncated = PRONOTE.split('\r\n').slice(0, 25).join('\r\n');
    expect(await textProblemOf(truncated)).toMatchObject({ file: FILE, line: 25, detail: expect.stringContaining('truncated') });
  });

  it('refuses a file over 20 MB before holding it', async () => {
    async function* huge() {
      for (let i = 0; i < 21; i += 1) yield Buffer.alloc(1024 * 1024, 0x41);
    }
    expect(await fileProblemOf(huge)).toMatchObject({ code: 'file-too-large' });
  });
});

describe('ical: zones, groups and limits', () => {
  const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];

  it('takes the establishment\'s zone from X-WR-TIMEZONE, and warns of a TZID it does not know', async () => {
    const items = await parse(calendar(
      'X-WR-TIMEZONE:Indian/Reunion',
      ...event('UID:a', 'DTSTART:20260907T040000Z', 'DTEND:20260907T050000Z', 'SUMMARY:FRANCAIS - M. HOAREAU'),
      ...event('UID:a', 'DTSTART:20260914T040000Z', 'DTEND:20260914T050000Z', 'SUMMARY:FRANCAIS - M. HOAREAU'),
      ...event('UID:b', 'DTSTART;TZID=Mars/Olympus:20260908T100000', 'DURATION:PT1H', 'SUMMARY:EPS'),
    ));
    expect(coursesOf(items)[0]).toMatchObject({ weekday: 1, startTime: '08:00', teachers: [{ familyName: 'HOAREAU', name: 'M. HOAREAU' }] });
    expect(changesOf(items)[0]).toMatchObject({ status: 'extra', startTime: '10:00', newDate: '2026-09-08' });
    expect(problemsOf(items)).toEqual([expect.objectContaining({ code: 'unknown-time-zone', field: 'TZID', line: 17 })]);
  });

  it('names a half group by its part of class, and a class from a Classe line', async () => {
    const description = (extra: string) => `DESCRIPTION:Matière : ANGLAIS LV1\\nProfesseur : ROUX M.\\n${extra}Salle : 214\\n`;
    const items = await parse(calendar(
      ...event('UID:c1', 'DTSTART:20260907T130000Z', 'DTEND:20260907T140000Z', 'SUMMARY:ANGLAIS LV1 - ROUX M.', description('Partie de classe : &lt\\;4A&gt\\; 4A_G2\\n')),
      ...event('UID:c2', 'DTSTART:20260908T130000Z', 'DTEND:20260908T140000Z', 'SUMMARY:ANGLAIS LV1 - ROUX M.', description('Classe : 4A, 4B\\n')),
    ));
    const extras = changesOf(items);
    expect(extras.map((c) => c.groups)).toEqual([[{ code: '4A_G2', kind: 'group' }], [{ code: '4A', kind: 'division' }, { code: '4B', kind: 'division' }]]);
    expect(extras[0]).toMatchObject({ rooms: [{ code: '214' }], teachers: [{ familyName: 'ROUX', name: 'ROUX M.' }] });
  });

  it('caps a rule that recurs without end, and leaves all-day events out with one warning', async () => {
    const items = await parse(calendar(
      ...event('UID:h', 'DTSTART:20260907T080000Z', 'DURATION:PT30M', 'RRULE:FREQ=HOURLY', 'SUMMARY:PERMANENCE'),
      ...event('UID:d', 'DTSTART;VALUE=DATE:20261019', 'SUMMARY:Vacances de la Toussaint'),
    ));
    expect(problemsOf(items)).toEqual([
      expect.objectContaining({ code: 'too-many-occurrences', field: 'RRULE', severity: 'warning' }),
      expect.objectContaining({ code: 'all-day-events', severity: 'warning' }),
    ]);
    const sessions = coursesOf(items).reduce((n, c) => n + (c.weeks as { isoWeeks: number[] }).isoWeeks.length, 0) + changesOf(items).length;
    expect(sessions).toBeLessThanOrEqual(400);
  });

  it('takes a teacher change in an override as a substitution', async () => {
    const items = await parse(calendar(
      ...event('UID:r', 'DTSTART;TZID=Europe/Paris:20260907T080000', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=3', 'SUMMARY:HISTOIRE - M. SIMON - 4A'),
      ...event('UID:r', 'RECURRENCE-ID;TZID=Europe/Paris:20260914T080000', 'DTSTART;TZID=Europe/Paris:20260914T080000', 'DURATION:PT1H', 'SUMMARY:HISTOIRE - Mme DURAND - 4A'),
    ));
    expect(changesOf(items)).toEqual([expect.objectContaining({ date: '2026-09-14', status: 'substituted', teachers: [{ familyName: 'DURAND', name: 'Mme DURAND' }] })]);
  });

  it('makes a problem of each event whose rule, EXDATE or parameters cannot be read, and reads the others', async () => {
    const bad = (uid: string, line: string) => event(`UID:${uid}`, 'DTSTART:20260907T080000Z', 'DURATION:PT1H', line, 'RRULE:FREQ=WEEKLY;COUNT=2', 'SUMMARY:X');
    const items = await parse(calendar(
      ...bad('a', 'RRULE:FREQ=WEEKLY;BYDAY=XX'), // lines 4-11, the bad one 8
      ...bad('b', 'RRULE:FREQ=WEEKLY;UNTIL=garbage'), // 12-19
      ...bad('c', 'EXDATE:nonsense'), // 20-27
      ...bad('d', 'RDATE;TZID:20260101T080000'), // 28-35
      ...event('UID:ok', 'DTSTART:20260907T080000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=2', 'SUMMARY:GOOD'),
    ));
    expect(problemsOf(items).map((p) => [p.line, p.code, p.field])).toEqual([
      [8, 'invalid-event', undefined],
      [16, 'invalid-field', 'RRULE'],
      [24, 'invalid-field', 'EXDATE'],
      [32, 'invalid-event', undefined],
    ]);
    expect(coursesOf(items).map((c) => c.subject?.name)).toEqual(['GOOD']);
  });

  it('reads rooms and groups from ATTENDEE CUTYPE, and the teacher from ORGANIZER when nothing else names one', async () => {
    const items = await parse(calendar(...event(
      'UID:o', 'DTSTART:20260907T080000Z', 'DURATION:PT1H', 'SUMMARY:Chimie organique',
      'ORGANIZER;CN="DURAND Marie":mailto:marie.durand@example.org',
      'ATTENDEE;CUTYPE=ROOM;CN=B204:mailto:b204@example.org', 'ATTENDEE;CUTYPE=GROUP;CN=BTS1 CHIMIE:mailto:bts1@example.org',
      'ATTENDEE;CUTYPE=INDIVIDUAL;CN=Pupil One:mailto:p1@example.org',
    )));
    expect(changesOf(items)[0]).toMatchObject({
      subject: { name: 'Chimie organique' }, rooms: [{ code: 'B204' }], groups: [{ code: 'BTS1 CHIMIE' }],
      teachers: [{ familyName: 'DURAND', givenName: 'Marie', name: 'DURAND Marie' }],
    });
  });
});
