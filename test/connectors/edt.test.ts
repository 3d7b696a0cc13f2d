import fs from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseEdt, SOURCE } from '../../connectors/edt/parse.js';
import { durationMinutes, minutesOfDay } from '../../connectors/edt/clock.js';
import { weeksOfMask } from '../../connectors/edt/weeks.js';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { TimetableChange, TimetableCourse, TimetableItem, TimetableParseOptions } from '../../connectors/kit/timetable.js';
import { chunked } from '../support/bytes.js';
import { envelope, partnerKeys } from '../support/edt-envelope.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/edt/${name}`, import.meta.url));
const EXP_COURS = fixture('EXP_COURS.xml');
const PARTNER_EXPORT = fixture('ExportEmploiDuTemps.xml');

async function parse(bytes: Buffer, name: string, options: TimetableParseOptions = {}): Promise<TimetableItem[]> {
  const items: TimetableItem[] = [];
  for await (const item of parseEdt([{ name, open: () => chunked(bytes, 101) }], options)) items.push(item);
  return items;
}

async function fileProblemOf(bytes: Buffer, name: string, options: TimetableParseOptions = {}): Promise<ConnectorProblem> {
  const error = await parse(bytes, name, options).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileProblem);
  return (error as FileProblem).problem;
}

const coursesOf = (items: TimetableItem[]): TimetableCourse[] => items.flatMap((i) => (i.kind === 'course' ? [i.course] : []));
const changesOf = (items: TimetableItem[]): TimetableChange[] => items.flatMap((i) => (i.kind === 'change' ? [i.change] : []));
const problemsOf = (items: TimetableItem[]): ConnectorProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
const course = (items: TimetableItem[], sourceId: string) => coursesOf(items).find((c) => c.sourceId === sourceId);
const lineOf = (bytes: Buffer, text: string) => bytes.toString('utf8').split('\n').findIndex((line) => line.includes(text)) + 1;

/** Mondays of school weeks 1…44 from 2026-08-31, as ISO weeks: 36…53 of 2026, then 1…26 of 2027. */
const ALL_ISO_WEEKS = [...Array.from({ length: 18 }, (_, i) => 36 + i), ...Array.from({ length: 26 }, (_, i) => 1 + i)].sort((a, b) => a - b);

describe('EDT connector: EXP_COURS.xml', () => {
  it('is the edt source', () => {
    expect(SOURCE).toBe('edt');
  });

  it('reads a course line: day, padded start time, duration, teacher by name, class, room and subject', async () => {
    const items = await parse(EXP_COURS, 'EXP_COURS.xml');
    expect(course(items, '24')).toEqual({
      sourceId: '24', weekday: 1, startTime: '09:00', durationMinutes: 60, weeks: 'all',
      subject: { code: 'FRANC', name: 'FRANÇAIS' },
      teachers: [{ familyName: 'MARTIN', givenName: 'Hélène' }],
      groups: [{ code: '4B', kind: 'division' }],
      rooms: [{ code: '14' }],
      position: { file: 'EXP_COURS.xml', line: 3 },
    });
  });

  it('merges the lines of a co-taught course (same NUMERO, even apart) into one course with both teachers and rooms', async () => {
    const items = await parse(EXP_COURS, 'EXP_COURS.xml');
    const coTaught = coursesOf(items).filter((c) => c.sourceId === '31');
    expect(coTaught).toHaveLength(1);
    expect(coTaught[0]).toMatchObject({
      weekday: 2, startTime: '10:00', durationMinutes: 90,
      teachers: [{ familyName: 'DUPONT', givenName: 'Jean' }, { familyName: 'LEROY', givenName: 'Anne' }],
      groups: [{ code: '4B', kind: 'division' }],
      rooms: [{ code: '14' }, { code: 'LABO' }],
    });
  });

  it('gives a room shared by two classes at the same time to both courses, and describes the room once', async () => {
    const items = await parse(EXP_COURS, 'EXP_COURS.xml');
    expect(course(items, '40')).toMatchObject({ weekday: 4, startTime: '14:00', durationMinutes: 55, groups: [{ code: '4A' }], rooms: [{ code: 'GYM' }] });
    expect(course(items, '41')).toMatchObject({ weekday: 4, startTime: '14:00', durationMinutes: 55, groups: [{ code: '4C' }], rooms: [{ code: 'GYM' }] });
    const rooms = items.flatMap((i) => (i.kind === 'room' ? [i.room.code] : []));
    expect(rooms).toEqual(['14', 'GYM', 'LABO']);
    const subjects = items.flatMap((i) => (i.kind === 'subject' ? [i.subject] : []));
    expect(subjects.map((s) => s.code)).toEqual(['FRANC', 'TECHN', 'EPS', 'SVT', 'ESP2']);
    expect(subjects[0]).toEqual({ code: 'FRANC', name: 'FRANÇAIS', position: { file: 'EXP_COURS.xml', line: 3 } });
  });

  it('reads A/B half-group lessons: SA and SB as alternations A and B, the half-group as a group code without a kind', async () => {
    const items = await parse(EXP_COURS, 'EXP_COURS.xml');
    expect(course(items, '50')).toMatchObject({ weekday: 5, startTime: '08:00', weeks: { alternation: 'A' }, groups: [{ code: '4B GR1' }] });
    expect(course(items, '50')!.groups[0].kind).toBeUndefined();
    expect(course(items, '51')).toMatchObject({ weeks: { alternation: 'B' }, groups: [{ code: '4B GR2' }] });
    expect(course(items, '60')).toMatchObject({ weekday: 6, durationMinutes: 120, weeks: { alternation: 'Q1' } });
  });

  it('reports a line with an unknown day or a bad time at its line and field, and reads the other lines', async () => {
    const items = await parse(EXP_COURS, 'EXP_COURS.xml');
    expect(problemsOf(items)).toEqual([
      {
        file: 'EXP_COURS.xml', line: lineOf(EXP_COURS, '<JOUR>lundy'), field: 'JOUR', code: 'bad-value', severity: 'error', sourceId: '70',
        detail: 'JOUR "lundy" is not a day; expected lundi … samedi',
      },
      {
        file: 'EXP_COURS.xml', line: lineOf(EXP_COURS, '25h00'), field: 'H.DEBUT', code: 'bad-value', severity: 'error', sourceId: '71',
        detail: 'H.DEBUT "25h00" is not a time; expected HHhMM (09h00)',
      },
    ]);
    expect(coursesOf(items).map((c) => c.sourceId)).toEqual(['24', '31', '40', '41', '50', '51', '60']);
  });

  it('makes a course of each slot of a NUMERO, named by the slot', async () => {
    const line = (day: string, classe: string, alternation = 'H') =>
      `<Cours><NUMERO>40</NUMERO><DUREE>1h00</DUREE><CLASSE>${classe}</CLASSE><ALTERNANCE>${alternation}</ALTERNANCE><JOUR>${day}</JOUR><H.DEBUT>08h00</H.DEBUT></Cours>`;
    const lines = [line('jeudi', '4A'), line('vendredi', '4C', 'Q2'), line('jeudi', '4B')].join('\n');
    const items = await parse(Buffer.from(`<TABLE nom="Cours">\n${lines}\n</TABLE>`), 'EXP_COURS.xml');
    expect(problemsOf(items)).toEqual([]);
    expect(coursesOf(items)).toEqual([
      expect.objectContaining({ sourceId: '40:4-0800-60-H', weekday: 4, groups: [{ code: '4A', kind: 'division' }, { code: '4B', kind: 'division' }] }),
      expect.objectContaining({ sourceId: '40:5-0800-60-Q2', weekday: 5, weeks: { alternation: 'Q2' }, groups: [{ code: '4C', kind: 'division' }] }),
    ]);
  });

  it('reads an export in the ISO-8859-1 its prolog declares', async () => {
    const latin = iconv.encode(EXP_COURS.toString('utf8').replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'windows-1252');
    const items = await parse(latin, 'EXP_COURS.xml');
    expect(course(items, '24')).toMatchObject({ subject: { name: 'FRANÇAIS' }, teachers: [{ givenName: 'Hélène' }] });
  });

  it('stops a malformed file with a FileProblem naming the file and line', async () => {
    const broken = Buffer.from(EXP_COURS.toString('utf8').replace('<SALLE>GYM</SALLE>', '<SALLE>GYM</SALE>'));
    const problem = await fileProblemOf(broken, 'EXP_COURS.xml');
    expect(problem).toMatchObject({ file: 'EXP_COURS.xml', line: lineOf(broken, '</SALE>'), code: 'malformed-xml', severity: 'error' });
  });

  it('stops a truncated file with a FileProblem naming the file and its last line', async () => {
    const truncated = EXP_COURS.subarray(0, Math.floor(EXP_COURS.length / 2));
    const problem = await fileProblemOf(truncated, 'EXP_COURS.xml');
    expect(problem).toMatchObject({ file: 'EXP_COURS.xml', code: 'malformed-xml' });
    expect(problem.line).toBe(truncated.toString('utf8').split('\n').length);
  });

  it('refuses another EDT table or another document', async () => {
    expect(await fileProblemOf(Buffer.from('<TABLE nom="Eleves"><Eleves/></TABLE>'), 'EXP_Eleves.xml'))
      .toMatchObject({ file: 'EXP_Eleves.xml', line: 1, field: 'nom', code: 'unexpected-document' });
    expect(await fileProblemOf(Buffer.from('<?xml version="1.0"?>\n<STS_EDT/>'), 'x.xml'))
      .toMatchObject({ file: 'x.xml', line: 2, code: 'unexpected-document' });
  });
});

describe('EDT connector: the partner export (ExportEmploiDuTemps)', () => {
  const FILE = 'ExportEmploiDuTemps.xml';
  const line = (text: string) => lineOf(PARTNER_EXPORT, text);

  it('describes the calendar, subjects and rooms by their Ident', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    expect(items.find((i) => i.kind === 'calendar')).toEqual({
      kind: 'calendar', calendar: { startDate: '2026-09-01', endDate: '2027-07-03', position: { file: FILE, line: 3 } },
    });
    expect(items.flatMap((i) => (i.kind === 'subject' ? [i.subject] : []))[0]).toEqual({
      sourceId: 'M1', code: 'FRANC', name: 'Français', position: { file: FILE, line: line('Ident="M1" Code') },
    });
    expect(items.flatMap((i) => (i.kind === 'room' ? [[i.room.sourceId, i.room.code]] : []))).toEqual([['S1', 'S14'], ['S2', 'LABO'], ['S3', 'CDI']]);
    expect(items.some((i) => i.kind === 'establishment')).toBe(false);
  });

  it('dates a course from week 1 and its Jour, times it from the slot grid, keeps the usual teacher and room', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    expect(course(items, 'K1')).toEqual({
      sourceId: 'K1', weekday: 1, startTime: '09:00', durationMinutes: 60,
      subject: { sourceId: 'M1', code: 'FRANC', name: 'Français' },
      teachers: [{ sourceId: 'P1', familyName: 'MARTIN', givenName: 'Hélène' }],
      groups: [{ sourceId: 'C1', code: '4B', kind: 'division' }],
      rooms: [{ sourceId: 'S1', code: 'S14' }],
      weeks: { isoWeeks: ALL_ISO_WEEKS },
      validFrom: '2026-08-31', validTo: '2027-06-28',
      position: { file: FILE, line: line('Ident="K1"') },
    });
  });

  it('turns cancelled weeks, a room of one week and a teacher of one week into dated changes', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    const position = { file: FILE, line: line('Ident="K1"') };
    expect(changesOf(items).filter((c) => c.courseSourceId === 'K1')).toEqual([
      { sourceId: 'K1@2026-09-28', courseSourceId: 'K1', date: '2026-09-28', status: 'cancelled', position },
      { sourceId: 'K1@2026-11-02', courseSourceId: 'K1', date: '2026-11-02', status: 'room-changed', rooms: [{ sourceId: 'S2', code: 'LABO' }], position },
      {
        sourceId: 'K1@2026-11-16', courseSourceId: 'K1', date: '2026-11-16', status: 'substituted',
        teachers: [{ sourceId: 'P3', familyName: 'LEROY', givenName: 'Anne' }], position,
      },
    ]);
  });

  it('makes a course of each half of a class (PartieDeClasse) in alternate weeks', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    const first = course(items, 'K2:M2+PC1');
    const second = course(items, 'K2:M2+PC2');
    expect(first).toMatchObject({
      weekday: 2, startTime: '10:00', durationMinutes: 60, groups: [{ sourceId: 'PC1', code: '4B Gr1', kind: 'group' }],
      rooms: [{ sourceId: 'S2', code: 'LABO' }], validFrom: '2026-09-01', validTo: '2027-06-22',
    });
    expect(second).toMatchObject({ groups: [{ sourceId: 'PC2', code: '4B Gr2', kind: 'group' }], validFrom: '2026-09-08', validTo: '2027-06-29' });
    const firstWeeks = (first!.weeks as { isoWeeks: number[] }).isoWeeks;
    const secondWeeks = (second!.weeks as { isoWeeks: number[] }).isoWeeks;
    expect(firstWeeks).toHaveLength(22);
    expect(secondWeeks).toHaveLength(22);
    expect([...firstWeeks, ...secondWeeks].sort((a, b) => a - b)).toEqual(ALL_ISO_WEEKS);
    expect(firstWeeks).toContain(36);
    expect(secondWeeks).toContain(37);
  });

  it('reads SemainesInclusion, a group, and a course without Ident (its slot and what it teaches to whom)', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    expect(course(items, '4.12.2:G1+M3')).toMatchObject({
      weekday: 4, startTime: '14:00', durationMinutes: 60, groups: [{ sourceId: 'G1', code: '4 ESP LV2', kind: 'group' }],
      rooms: [{ sourceId: 'S3', code: 'CDI' }], teachers: [{ sourceId: 'P2' }],
    });
  });

  it('dates the sessions of a course across the end of summer time on the right days', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    expect(course(items, 'K4')).toMatchObject({
      weekday: 5, startTime: '13:00', durationMinutes: 90, weeks: { isoWeeks: [42, 44] }, validFrom: '2026-10-16', validTo: '2026-10-30',
    });
  });

  it('reports a Cours with an impossible day or place at its line and field, and reads the others', async () => {
    const items = await parse(PARTNER_EXPORT, FILE);
    expect(problemsOf(items)).toEqual([
      expect.objectContaining({ file: FILE, line: line('Ident="K5"'), field: 'Jour', code: 'bad-value', severity: 'error' }),
      expect.objectContaining({ file: FILE, line: line('Ident="K6"'), field: 'NumeroPlaceDebut', code: 'bad-value', severity: 'error' }),
    ]);
    expect(coursesOf(items).map((c) => c.sourceId)).toEqual(['K1', 'K2:M2+PC1', 'K2:M2+PC2', '4.12.2:G1+M3', 'K4']);
  });

  it('warns of a resource the export does not describe and keeps it by its Ident', async () => {
    const text = PARTNER_EXPORT.toString('utf8').replace('<Salle Ident="S3" SemainesInclusion', '<Salle Ident="S9" SemainesInclusion');
    const items = await parse(Buffer.from(text), FILE);
    expect(problemsOf(items)).toContainEqual(expect.objectContaining({ field: 'Ident', severity: 'warning', line: lineOf(Buffer.from(text), 'Ident="S9"') }));
    expect(course(items, '4.12.2:G1+M3')!.rooms).toEqual([{ sourceId: 'S9' }]);
  });

  it('stops at a Cours that comes before the school year', async () => {
    const text = '<ExportEmploiDuTemps>\n<Cours>\n<Cours Jour="1" NumeroPlaceDebut="1"/>\n</Cours>\n</ExportEmploiDuTemps>';
    expect(await fileProblemOf(Buffer.from(text), FILE)).toMatchObject({ file: FILE, line: 3, code: 'missing-calendar' });
  });
});

describe('EDT connector: the encrypted envelope (EXPORT_INDEX_EDUCATION)', () => {
  const FILE = 'EXPORT_0693412J.xml';
  const keys = partnerKeys();
  const options = { partnerPrivateKey: keys.privateKey };

  it('opens the export with the partner key: the establishment of its UAI, then what the clear export gives', async () => {
    const sealed = envelope(PARTNER_EXPORT, keys.publicKey);
    const items = await parse(sealed, FILE, options);
    expect(items[0]).toEqual({ kind: 'establishment', uai: '0693412J', position: { file: FILE, line: lineOf(sealed, '<UAI>') } });
    const clear = await parse(PARTNER_EXPORT, FILE);
    expect(items.slice(1)).toEqual(clear);
  });

  it('opens an export that was not compressed', async () => {
    const items = await parse(envelope(PARTNER_EXPORT, keys.publicKey, { compress: false }), FILE, options);
    expect(course(items, 'K1')).toMatchObject({ startTime: '09:00' });
  });

  it('refuses the envelope without a key, with another partner key, or with a key whose MD5 does not match', async () => {
    const sealed = envelope(PARTNER_EXPORT, keys.publicKey);
    expect(await fileProblemOf(sealed, FILE)).toMatchObject({ file: FILE, line: 5, field: 'CLES', code: 'missing-key' });
    const wrong = await fileProblemOf(sealed, FILE, { partnerPrivateKey: partnerKeys().privateKey });
    expect(wrong).toMatchObject({ file: FILE, line: 5, field: 'CLES', code: 'wrong-key', severity: 'error' });
    expect(wrong.detail).toContain(FILE);
    const badDigest = envelope(PARTNER_EXPORT, keys.publicKey, { digest: Buffer.alloc(16) });
    expect(await fileProblemOf(badDigest, FILE, options)).toMatchObject({ code: 'wrong-key' });
  });

  it('refuses content that inflates beyond 50 MB', async () => {
    const bomb = envelope(PARTNER_EXPORT, keys.publicKey, { compressed: deflateSync(Buffer.alloc(51 * 1024 * 1024)) });
    expect(await fileProblemOf(bomb, FILE, options)).toMatchObject({ file: FILE, field: 'CONTENU', code: 'too-large' });
  });

  it('refuses content that is not what VERIFICATION says', async () => {
    const sealed = envelope(PARTNER_EXPORT, keys.publicKey).toString('utf8').replace(/<VERIFICATION>[0-9a-f]+/, `<VERIFICATION>${'0'.repeat(64)}`);
    expect(await fileProblemOf(Buffer.from(sealed), FILE, options)).toMatchObject({ field: 'VERIFICATION', code: 'bad-content' });
  });
});

describe('EDT connector: week masks and times', () => {
  it('reads a week mask beyond 2^53 without losing weeks', () => {
    expect(weeksOfMask((2n ** 55n + 2n ** 1n).toString())).toEqual([1, 55]);
    expect(weeksOfMask('6')).toEqual([1, 2]);
    expect(weeksOfMask('-1')).toBeUndefined();
  });

  it('reads times as HHhMM, HH:MM or HH:MM:SS, and durations as HhMM', () => {
    expect([minutesOfDay(' 09h00'), minutesOfDay('13:30'), minutesOfDay('13:30:00'), minutesOfDay('24h00'), minutesOfDay('9h')]).toEqual([540, 810, 810, undefined, undefined]);
    expect([durationMinutes('1h30'), durationMinutes('0h55'), durationMinutes('0h00'), durationMinutes('1h60')]).toEqual([90, 55, undefined, undefined]);
  });
});

describe('EDT connector: bounds', () => {
  async function problemOfSource(source: () => AsyncGenerator<Buffer>, name: string): Promise<ConnectorProblem> {
    const error = await (async () => {
      for await (const item of parseEdt([{ name, open: source }], {})) void item;
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FileProblem);
    return (error as FileProblem).problem;
  }

  it('stops reading an envelope beyond 72 MB, before its end', async () => {
    let chunks = 0;
    const source = async function* () {
      yield Buffer.from('<EXPORT_INDEX_EDUCATION>\n<CONTENU CompresseAvantChiffrement="true">');
      const megabyte = Buffer.alloc(1024 * 1024, 'A');
      for (; chunks < 200; chunks += 1) yield megabyte;
    };
    expect(await problemOfSource(source, 'EXPORT.xml')).toMatchObject({ file: 'EXPORT.xml', line: 1, code: 'too-large' });
    expect(chunks).toBeLessThan(80);
  });

  it('stops at an entity of more than 10,000 elements', async () => {
    const source = async function* () {
      yield Buffer.from('<ExportEmploiDuTemps>\n<Classe Ident="C1" Nom="4B">\n');
      for (let i = 0; i < 10_001; i += 1) yield Buffer.from(`<PartieDeClasse Ident="P${i}"/>\n`);
      yield Buffer.from('</Classe></ExportEmploiDuTemps>');
    };
    expect(await problemOfSource(source, 'x.xml')).toMatchObject({ file: 'x.xml', line: 2, field: 'Classe', code: 'too-large' });
  });
});

describe('EDT connector: hostile inputs', () => {
  const keys = partnerKeys();
  const sealed = envelope(PARTNER_EXPORT, keys.publicKey);

  /** Reading ends with items, or with a FileProblem naming the file: never another error. */
  async function endsCleanly(bytes: Buffer): Promise<void> {
    const outcome = await parse(bytes, 'hostile.xml', { partnerPrivateKey: keys.privateKey }).then(() => undefined, (e: unknown) => e);
    if (outcome !== undefined) {
      expect(outcome).toBeInstanceOf(FileProblem);
      expect((outcome as FileProblem).problem.file).toBe('hostile.xml');
    }
  }

  it('ends every reading of a document cut anywhere or with a byte changed, in an item or a FileProblem', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(EXP_COURS, PARTNER_EXPORT, sealed),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 255 }),
      fc.boolean(),
      async (document, where, byte, cut) => {
        const at = Math.floor(where * (document.length - 1));
        const bytes = cut ? document.subarray(0, at) : Buffer.concat([document.subarray(0, at), Buffer.from([byte]), document.subarray(at + 1)]);
        await endsCleanly(bytes);
      },
    ), { numRuns: 150 });
  });

  it('ends on attribute values of any kind in a course', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('Jour', 'NumeroPlaceDebut', 'NombrePlaces', 'SemainesAnnulation'),
      fc.oneof(fc.string(), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String)),
      async (attribute, value) => {
        const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
        const text = PARTNER_EXPORT.toString('utf8').replace(new RegExp(`(<Cours Ident="K1"[^>]*?) ${attribute}="[^"]*"`), `$1 ${attribute}="${escaped}"`);
        await endsCleanly(Buffer.from(text));
      },
    ), { numRuns: 100 });
  });
});
