// Each timetable connector's export imported into a collège whose roster STS-Web gave: courses refer to the
// roster's teachers (by source id, then by name), classes and groups (by code); rooms the roster lacks are
// created; occurrences are materialised at the right instants (across the DST change), cancelled weeks show as
// cancelled occurrences; an identical import writes nothing, and an export that cannot be read changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import type { ImportOutcome } from '../../gateway/sync/importer.js';
import { importerNamed } from '../../gateway/sync/importers.js';
import { occurrenceId } from '../../gateway/timetable/occurrence-id.js';
import { envelope, partnerKeys } from '../support/edt-envelope.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { writeRoster, type RosterIds, type RosterSpec } from '../support/roster.js';
import { openTestStore } from '../support/store.js';
import { pronoteExport, sourceFile, stsEdtExport, udtExport } from '../support/timetable-exports.js';
import type { SourceFile } from '../../gateway/sync/importer.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/edt/${name}`, import.meta.url));
const EXP_COURS = fixture('EXP_COURS.xml');
const PARTNER_EXPORT = fixture('ExportEmploiDuTemps.xml');

let store: Awaited<ReturnType<typeof openTestStore>>;
const db = () => store.db;

const EDT_ROSTER: RosterSpec = {
  teachers: [['MARTIN', 'Hélène', '1001'], ['DUPONT', 'Jean', '1002'], ['LEROY', 'Anne', '1003'], ['BERNARD', 'Luc', '1004'],
    ['PETIT', 'Marc', '1005'], ['ROUX', 'Paul', '1006'], ['GARCIA', 'Ana', '1007']],
  divisions: ['4A', '4B', '4C'],
  groups: ['4B GR1', '4B GR2', '4 ESP LV2'],
  subjects: [['020100', 'FRANCAIS'], ['030201', 'TECHNOLOGIE']],
  rooms: [['LABO', 'B']],
};

async function collegeWith(spec: RosterSpec): Promise<{ uai: string; ids: RosterIds }> {
  const uai = newUai('069');
  await putEstablishment(db(), establishment(uai, LYON));
  return { uai, ids: await writeRoster(db(), uai, spec) };
}

function run(connector: string, uai: string, files: SourceFile[]): Promise<ImportOutcome> {
  return importerNamed(connector)!.run(db(), {
    files, uai, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
  });
}

const courseBySource = async (uai: string, source: string, id: string) => {
  const row = await db().selectFrom('roster_record').select(['id', 'data']).where('uai', '=', uai).where('entity', '=', 'course')
    .where(sql<string>`source_ids->>${source}`, '=', id).executeTakeFirstOrThrow();
  return { id: row.id, ...(row.data as Record<string, unknown>) } as Record<string, unknown> & { id: string };
};
const occurrence = (courseId: string, date: string) => db().selectFrom('occurrence').selectAll()
  .where('id', '=', occurrenceId(courseId, date)).executeTakeFirst();
const roomCodes = async (uai: string) => (await db().selectFrom('roster_record').select(sql<string>`data->>'code'`.as('code'))
  .where('uai', '=', uai).where('entity', '=', 'room').where('status', '=', 'active').execute()).map((r) => r.code).sort();
const head = async () => (await db().selectFrom('change_counter').select('seq').executeTakeFirstOrThrow()).seq;

/** Everything an import may touch in an establishment, to compare before and after. */
async function snapshot(uai: string) {
  const records = await db().selectFrom('roster_record').select(['id', 'entity', 'status', 'body']).where('uai', '=', uai).orderBy('id').execute();
  const occurrences = await db().selectFrom('occurrence').select(['id', 'status', 'state', 'starts_at', 'seq']).where('uai', '=', uai).orderBy('id').execute();
  return { records, occurrences, head: await head() };
}

beforeAll(async () => {
  store = await openTestStore('tt_import');
});
afterAll(async () => store?.close());

describe('EDT: EXP_COURS.xml', () => {
  let college: { uai: string; ids: RosterIds };
  beforeAll(async () => {
    college = await collegeWith(EDT_ROSTER);
  });

  it('writes courses with the roster\'s teachers, classes, groups and subjects, and creates the rooms it lacks', async () => {
    const outcome = await run('edt', college.uai, [sourceFile('EXP_COURS.xml', EXP_COURS)]);
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai: college.uai, state: 'completed' })]);
    const { ids } = college;
    expect(await courseBySource(college.uai, 'edt', '24')).toMatchObject({
      teacherIds: [ids.teachers.MARTIN], groupIds: [ids.groups['4B']], subjectId: ids.subjects.FRANCAIS, weekday: 1, startTime: '09:00', durationMinutes: 60,
    });
    const coTaught = await courseBySource(college.uai, 'edt', '31');
    expect(new Set(coTaught.teacherIds as string[])).toEqual(new Set([ids.teachers.DUPONT, ids.teachers.LEROY]));
    expect(coTaught.roomIds).toContain(ids.rooms.LABO);
    expect((await courseBySource(college.uai, 'edt', '50')).groupIds).toEqual([ids.groups['4B GR1']]);
    expect(await roomCodes(college.uai)).toEqual(['14', 'GYM', 'LABO']);
    // The lines with an impossible day or hour are refused, naming their line.
    expect(outcome.problems).toContainEqual(expect.objectContaining({ file: 'EXP_COURS.xml', severity: 'error', line: expect.any(Number) }));
  });

  it('materialises Monday 09:00 in Lyon on both sides of the DST change', async () => {
    const course = await courseBySource(college.uai, 'edt', '24');
    expect((await occurrence(course.id, '2026-10-12'))?.starts_at.toISOString()).toBe('2026-10-12T07:00:00.000Z');
    expect((await occurrence(course.id, '2026-11-09'))?.starts_at.toISOString()).toBe('2026-11-09T08:00:00.000Z');
    expect((await occurrence(course.id, '2026-11-09'))?.ends_at.toISOString()).toBe('2026-11-09T09:00:00.000Z');
    // Toussaint, zone A.
    expect(await occurrence(course.id, '2026-10-19')).toBeUndefined();
  });

  it('changes nothing when the same export is imported again', async () => {
    const before = await snapshot(college.uai);
    expect(before.records.filter((r) => r.entity === 'course')).toHaveLength(7);
    const outcome = await run('edt', college.uai, [sourceFile('EXP_COURS.xml', EXP_COURS)]);
    expect(outcome.establishments).toEqual([expect.objectContaining({ state: 'completed' })]);
    expect(outcome.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(await snapshot(college.uai)).toEqual(before);
  });

  it('refuses a malformed and a truncated export at their file and line, and leaves the store as it was', async () => {
    const before = await snapshot(college.uai);
    const text = EXP_COURS.toString('utf8');
    const malformedLine = text.split('\n').findIndex((line) => line.includes('<NUMERO>40</NUMERO>')) + 1;
    const malformed = Buffer.from(text.replace('<NUMERO>40</NUMERO>', '<NUMERO>40</NUMER>'));
    const truncated = EXP_COURS.subarray(0, Math.floor(EXP_COURS.length / 2));
    for (const [bytes, line] of [[malformed, malformedLine], [truncated, undefined]] as const) {
      const outcome = await run('edt', college.uai, [sourceFile('EXP_COURS.xml', bytes)]);
      expect(outcome.establishments).toEqual([expect.objectContaining({ uai: college.uai, state: 'failed' })]);
      expect(outcome.problems).toEqual([expect.objectContaining({ file: 'EXP_COURS.xml', severity: 'error', line: line ?? expect.any(Number) })]);
      expect(await snapshot(college.uai)).toEqual(before);
    }
  });

  it('deletes, on a complete import, the course the export no longer holds, with its occurrences', async () => {
    const course41 = await courseBySource(college.uai, 'edt', '41');
    const text = EXP_COURS.toString('utf8');
    const start = text.indexOf('  <Cours numero="41">');
    const without41 = Buffer.from(text.slice(0, start) + text.slice(text.indexOf('</Cours>', start) + '</Cours>\n'.length));
    const outcome = await run('edt', college.uai, [sourceFile('EXP_COURS.xml', without41)]);
    expect(outcome.establishments).toEqual([expect.objectContaining({ state: 'completed', counts: expect.objectContaining({ deleted: 1 }) })]);
    const stored = await db().selectFrom('roster_record').select('status').where('id', '=', course41.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('deleted');
    const states = await db().selectFrom('occurrence').select('state').distinct().where('course_id', '=', course41.id).execute();
    expect(states).toEqual([{ state: 'deleted' }]);
    const course40 = await courseBySource(college.uai, 'edt', '40');
    expect(await occurrence(course40.id, '2026-11-12')).toMatchObject({ state: 'active', status: 'scheduled' });
  });
});

describe('EDT: the partner export', () => {
  it('in clear: a course\'s cancelled week is a cancelled occurrence, its room change and substitute too', async () => {
    const college = await collegeWith(EDT_ROSTER);
    await run('edt', college.uai, [sourceFile('ExportEmploiDuTemps.xml', PARTNER_EXPORT)]);
    const k1 = await courseBySource(college.uai, 'edt', 'K1');
    expect(k1).toMatchObject({ teacherIds: [college.ids.teachers.MARTIN], groupIds: [college.ids.groups['4B']] });
    expect(await roomCodes(college.uai)).toEqual(expect.arrayContaining(['S14', 'CDI', 'LABO']));
    expect(await occurrence(k1.id, '2026-09-21')).toMatchObject({ status: 'scheduled' });
    expect(await occurrence(k1.id, '2026-09-28')).toMatchObject({ status: 'cancelled' });
    expect(await occurrence(k1.id, '2026-11-02')).toMatchObject({ status: 'room-changed', room_ids: [college.ids.rooms.LABO] });
    expect(await occurrence(k1.id, '2026-11-16')).toMatchObject({ status: 'substituted', teacher_ids: [college.ids.teachers.LEROY] });
    const halves = await courseBySource(college.uai, 'edt', 'K2:M2+PC1');
    expect(halves.groupIds).toEqual([college.ids.groups['4B GR1']]);
  });

  it('encrypted with the partner key: the same timetable', async () => {
    const keys = partnerKeys();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edt-key-'));
    const keyFile = path.join(dir, 'partner.pem');
    fs.writeFileSync(keyFile, keys.privateKey);
    process.env.PASSERELLE_EDT_PARTNER_KEY_FILE = keyFile;
    try {
      const college = await collegeWith(EDT_ROSTER);
      const sealed = envelope(PARTNER_EXPORT, keys.publicKey, { uai: college.uai });
      const outcome = await run('edt', college.uai, [sourceFile(`EXPORT_${college.uai}.xml`, sealed)]);
      expect(outcome.establishments).toEqual([expect.objectContaining({ uai: college.uai, state: 'completed' })]);
      const k1 = await courseBySource(college.uai, 'edt', 'K1');
      expect(k1.teacherIds).toEqual([college.ids.teachers.MARTIN]);
      expect(await occurrence(k1.id, '2026-09-28')).toMatchObject({ status: 'cancelled' });
    } finally {
      delete process.env.PASSERELLE_EDT_PARTNER_KEY_FILE;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('UDT, STS-Web\'s reverse file and iCalendar', () => {
  it('UDT: courses of the roster\'s class and half groups, a teacher by source id and one by name, a dropped week cancelled', async () => {
    const college = await collegeWith({
      teachers: [['DUPONT', 'Marie', '1001'], ['MARTIN', 'Luc', 'X-77'], ['BERNARD', 'Paul', '1004']],
      divisions: ['6A'], groups: ['6A_G1', '6A_G2'], rooms: [['GYM', 'G']],
    });
    const outcome = await run('udt', college.uai, udtExport());
    expect(outcome.establishments).toEqual([expect.objectContaining({ state: 'completed' })]);
    const courses = await db().selectFrom('roster_record').select(['id', 'data']).where('uai', '=', college.uai).where('entity', '=', 'course').execute();
    const data = courses.map((c) => ({ id: c.id, ...(c.data as { teacherIds: string[]; groupIds: string[]; roomIds: string[]; weekday: number; startTime: string }) }));
    const french = data.find((c) => c.weekday === 1 && c.startTime === '08:00')!;
    expect(french).toMatchObject({ teacherIds: [college.ids.teachers.MARTIN], groupIds: [college.ids.groups['6A']] });
    expect(data.find((c) => c.startTime === '09:00')).toMatchObject({ teacherIds: [college.ids.teachers.DUPONT] });
    const pe = data.filter((c) => c.weekday === 2);
    expect(pe.map((c) => c.groupIds).sort()).toEqual([[college.ids.groups['6A_G1']], [college.ids.groups['6A_G2']]].sort());
    expect(pe.every((c) => c.roomIds.length === 1 && c.roomIds[0] === college.ids.rooms.GYM)).toBe(true);
    expect(await occurrence(french.id, '2026-09-07')).toMatchObject({ status: 'scheduled' });
    expect(await occurrence(french.id, '2026-09-14')).toMatchObject({ status: 'cancelled' });
    expect(await roomCodes(college.uai)).toEqual(['GYM', 'S01', 'S02']);
  });

  it('STS-Web\'s reverse file: teachers by STS-Web id whatever their name, co-teaching, A/B half groups on their weeks', async () => {
    const college = await collegeWith({
      teachers: [['DUPONT', 'Anne', '101'], ['ROCHE', 'Léa', '102']], divisions: ['4A', '4B'], groups: ['4A_G1', '4A_G2'],
    });
    const outcome = await run('sts-edt', college.uai, [stsEdtExport(college.uai)]);
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai: college.uai, state: 'completed' })]);
    const occurrences = await db().selectFrom('occurrence').select(['course_id', 'teacher_ids', 'group_ids', 'starts_at', sql<string>`date::text`.as('date')])
      .where('uai', '=', college.uai).where('state', '=', 'active').orderBy('starts_at').execute();
    const tuesday = occurrences.find((o) => o.date === '2026-09-08' && o.group_ids.includes(college.ids.groups['4B']))!;
    expect(new Set(tuesday.teacher_ids)).toEqual(new Set([college.ids.teachers.DUPONT, college.ids.teachers.ROCHE]));
    expect(tuesday.starts_at.toISOString()).toBe('2026-09-08T12:00:00.000Z');
    // Week A: the weeks of 31 August and 14 September; week B: 7 and 21 September.
    const datesOf = (code: string) => occurrences.filter((o) => o.group_ids.includes(college.ids.groups[code])).map((o) => o.date);
    expect(datesOf('4A_G1')).toEqual(['2026-09-03', '2026-09-17']);
    expect(datesOf('4A_G2')).toEqual(['2026-09-10', '2026-09-24']);
  });

  it('iCalendar (Pronote): a teacher by family name, a cancelled lesson, 08:00 Paris after the DST change', async () => {
    const college = await collegeWith({ teachers: [['MARTIN', 'Sophie', '2001'], ['LEROY', 'Pierre', '2002']], groups: ['4A_G1'], rooms: [['201', 'S']] });
    const outcome = await run('ical', college.uai, [pronoteExport()]);
    expect(outcome.establishments).toEqual([expect.objectContaining({ state: 'completed' })]);
    const rows = await db().selectFrom('occurrence').select(['status', 'teacher_ids', 'group_ids', 'room_ids', 'starts_at', sql<string>`date::text`.as('date')])
      .where('uai', '=', college.uai).where('state', '=', 'active').orderBy('starts_at').execute();
    const on = (date: string) => rows.find((r) => r.date === date)!;
    expect(on('2026-09-07')).toMatchObject({ status: 'scheduled', teacher_ids: [college.ids.teachers.MARTIN], group_ids: [college.ids.groups['4A_G1']], room_ids: [college.ids.rooms['201']] });
    expect(on('2026-09-07').starts_at.toISOString()).toBe('2026-09-07T07:25:00.000Z');
    expect(on('2026-09-21').status).toBe('cancelled');
    expect(on('2026-11-02')).toMatchObject({ status: 'cancelled', teacher_ids: [college.ids.teachers.LEROY] });
    expect(on('2026-11-09')).toMatchObject({ status: 'scheduled' });
    expect(on('2026-11-09').starts_at.toISOString()).toBe('2026-11-09T07:00:00.000Z');
    expect(await roomCodes(college.uai)).toEqual(['201', '208']);
  });
});
