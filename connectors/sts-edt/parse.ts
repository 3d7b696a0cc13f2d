// The reverse STS-Web file (`emp_sts.xml`, root EDT_STS) that EDT and UDT write for STS-Web, usually ISO-8859-1
// read as windows-1252 → the establishment (PARAMETRES/UAJ), its school year (ANNEE_SCOLAIRE) and alternations
// (ALTERNANCE @CODE with the Mondays of its SEMAINES/DATE_DEBUT_SEMAINE), rooms (SALLE_COURS, CODE_SALLE),
// subjects (MATIERE, CODE_MATIERE) and the courses of every DIVISION's and GROUPE's services (slots.ts).
// Teachers are named by the STS-Web source id (sts-web/map.ts individualId), with their names when INDIVIDUS
// gives them. Structures are kept until the end, as INDIVIDUS and ALTERNANCES may come after them.
import { Temporal } from 'temporal-polyfill';
import { isoDate } from '../kit/date.js';
import type { ConnectorProblem } from '../kit/problem.js';
import type { ResourceRef, TimetableCalendar, TimetableItem, TimetableParser } from '../kit/timetable.js';
import { childText, type XmlElement } from '../kit/xml.js';
import { individualId, subjectOf } from '../sts-web/map.js';
import { readEdtStsElements } from './read.js';
import { mergeSlots, slotsOf, type Slot } from './slots.js';

export const SOURCE = 'sts-edt';

/** The alternation code of lessons given every week when no ALTERNANCE defines it ([UNVERIFIED]: EDT's `H`, hebdomadaire). */
const EVERY_WEEK = 'H';

const text = (element: XmlElement, name: string) => childText(element, name)?.replace(/\s+/g, ' ') || undefined;

/** The Monday of the week of an ISO date. */
const mondayOf = (date: string) => {
  const day = Temporal.PlainDate.from(date);
  return day.subtract({ days: day.dayOfWeek - 1 }).toString();
};

export const parseStsEdt: TimetableParser = async function* parseStsEdt(files) {
  for (const file of files) yield* parseFile(file.open(), file.name);
};

async function* parseFile(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<TimetableItem> {
  const problem = (p: ConnectorProblem): TimetableItem => ({ kind: 'problem', problem: p });
  const calendar: TimetableCalendar = { position: { file } };
  const alternations = new Map<string, NonNullable<TimetableCalendar['alternations']>[number]>();
  const rooms = new Set<string>();
  const subjects = new Set<string>();
  const teachers = new Map<string, ResourceRef>();
  const slots: Slot[] = [];

  for await (const element of readEdtStsElements(source, file)) {
    const position = { file, line: element.line };
    switch (element.name) {
      case 'PARAMETRES': {
        calendar.position = position;
        // STS-Web writes the UAI as UAJ @CODE; ENT-CRLR's reader of this file takes UAJ's text: both are read.
        const uaj = element.children.find((c) => c.name === 'UAJ');
        const uai = (uaj?.attributes.CODE ?? uaj?.text)?.trim().toUpperCase();
        if (uai) yield { kind: 'establishment', uai, position: { file, line: uaj?.line } };
        const year = element.children.find((c) => c.name === 'ANNEE_SCOLAIRE');
        for (const [field, key] of [['DATE_DEBUT', 'startDate'], ['DATE_FIN', 'endDate']] as const) {
          const value = year && text(year, field);
          if (!value) continue;
          const date = isoDate(value);
          if (date) calendar[key] = date;
          else yield problem({ file, line: year.line, field, code: 'invalid-field', severity: 'warning', detail: `ANNEE_SCOLAIRE ${field} is "${value}"; expected a date as dd/MM/yyyy or yyyy-MM-dd; left out` });
        }
        break;
      }
      case 'ALTERNANCE': {
        const code = element.attributes.CODE?.trim();
        if (!code) {
          yield problem({ ...position, field: 'CODE', code: 'invalid-field', severity: 'error', detail: 'ALTERNANCE has no CODE; its weeks are left out' });
          break;
        }
        if (alternations.size === 0 && calendar.position.line === undefined) calendar.position = position;
        const weeks = new Set<string>();
        for (const week of element.children.filter((c) => c.name === 'SEMAINES').flatMap((c) => c.children.filter((w) => w.name === 'DATE_DEBUT_SEMAINE'))) {
          const date = isoDate(week.text);
          if (date) weeks.add(mondayOf(date));
          else yield problem({ file, line: week.line, field: 'DATE_DEBUT_SEMAINE', code: 'invalid-field', severity: 'warning', detail: `DATE_DEBUT_SEMAINE of ALTERNANCE ${code} is "${week.text}"; expected a date as dd/MM/yyyy or yyyy-MM-dd; left out` });
        }
        const name = text(element, 'LIBELLE_LONG') ?? text(element, 'LIBELLE_COURT');
        alternations.set(code, { label: code, ...(name ? { name } : {}), weeks: [...weeks].sort() });
        break;
      }
      case 'SALLE_COURS': {
        const code = element.attributes.CODE?.trim();
        if (!code || rooms.has(code)) break;
        rooms.add(code);
        const name = text(element, 'LIBELLE_LONG') ?? text(element, 'LIBELLE_COURT') ?? text(element, 'LIBELLE');
        const capacity = Number(text(element, 'CAPACITE'));
        yield { kind: 'room', room: { sourceId: code, code, ...(name ? { name } : {}), ...(Number.isInteger(capacity) && capacity > 0 ? { capacity } : {}), position } };
        break;
      }
      case 'MATIERE': {
        const { value, problems } = subjectOf(element, file);
        for (const p of problems) yield problem(p);
        const code = value?.record.code as string | undefined;
        if (!code || subjects.has(code)) break;
        subjects.add(code);
        yield { kind: 'subject', subject: { sourceId: code, code, name: value?.record.name as string, position } };
        break;
      }
      case 'INDIVIDU': {
        const id = individualId(element);
        const familyName = text(element, 'NOM_USAGE') ?? text(element, 'NOM_PATRONYMIQUE');
        const givenName = text(element, 'PRENOM');
        if (id) teachers.set(id, { sourceId: id, ...(familyName ? { familyName } : {}), ...(givenName ? { givenName } : {}) });
        break;
      }
      default: {
        const read = slotsOf(element, file);
        slots.push(...read.slots);
        for (const p of read.problems) yield problem(p);
      }
    }
  }

  // Rooms and subjects the lessons name that no SALLE_COURS or MATIERE described.
  for (const slot of slots) {
    const position = { file, line: slot.line };
    if (slot.room && !rooms.has(slot.room)) {
      rooms.add(slot.room);
      yield { kind: 'room', room: { sourceId: slot.room, code: slot.room, position } };
    }
    if (slot.subject && !subjects.has(slot.subject)) {
      subjects.add(slot.subject);
      yield { kind: 'subject', subject: { sourceId: slot.subject, code: slot.subject, position } };
    }
  }
  if (alternations.size > 0) calendar.alternations = [...alternations.values()];
  if (calendar.startDate || calendar.endDate || calendar.alternations) yield { kind: 'calendar', calendar };

  const warned = new Set<string>();
  for (const course of mergeSlots(slots)) {
    const position = { file, line: course.line };
    let weeks: 'all' | { alternation: string } = 'all';
    if (course.alternation && (alternations.has(course.alternation) || course.alternation !== EVERY_WEEK)) {
      weeks = { alternation: course.alternation };
      if (!alternations.has(course.alternation) && !warned.has(course.alternation)) {
        warned.add(course.alternation);
        yield problem({ ...position, field: 'CODE_ALTERNANCE', code: 'unknown-reference', severity: 'warning', detail: `CODE_ALTERNANCE ${course.alternation} names no ALTERNANCE of the file; the course keeps the label, whose weeks the establishment's calendar must define` });
      }
    }
    yield {
      kind: 'course',
      course: {
        sourceId: course.key,
        ...(course.subject ? { subject: { sourceId: course.subject, code: course.subject } } : {}),
        teachers: course.teachers.map((id) => teachers.get(id) ?? { sourceId: id }),
        groups: course.groups.map((g) => ({ sourceId: g.code, code: g.code, kind: g.kind })),
        rooms: course.room ? [{ sourceId: course.room, code: course.room }] : [],
        weekday: course.weekday,
        startTime: course.startTime,
        durationMinutes: course.durationMinutes,
        weeks,
        position,
      },
    };
  }
}
