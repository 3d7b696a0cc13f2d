// EDT's `EXP_COURS.xml` (root `TABLE nom="Cours"`, as GEPI's edt_organisation/import_edt_edt.php reads it): one
// `Cours` (or `Cours_annuels`) element per line, its fields as child elements (NUMERO, DUREE, MAT_CODE,
// MAT_LIBELLE, PROF_NOM, PROF_PRENOM, CLASSE, SALLE, ALTERNANCE, CO-ENS., JOUR, H.DEBUT…). A course taught by
// several teachers, or to several classes, is several lines with the same NUMERO: they make one course.
import type { ConnectorProblem } from '../kit/problem.js';
import type { CourseWeeks, GroupRef, ResourceRef, TimetableCourse, TimetableItem } from '../kit/timetable.js';
import { childText, type XmlElement } from '../kit/xml.js';
import { clockText, durationMinutes, minutesOfDay } from './clock.js';

const DAYS: Record<string, number> = { lundi: 1, mardi: 2, mercredi: 3, jeudi: 4, vendredi: 5, samedi: 6, dimanche: 7 };

/**
 * `H` is every week; `SA`/`SB` are written `A`/`B` (the labels the calendar's alternations use); other labels
 * (`Q1`, `Q2`, `A`, `B`) are kept as they are, upper-cased.
 */
export function weeksOfAlternation(label: string): CourseWeeks {
  const upper = label.trim().toUpperCase();
  if (upper === '' || upper === 'H') return 'all';
  return { alternation: /^S[AB]$/.test(upper) ? upper.slice(1) : upper };
}

/**
 * A CLASSE holds a class code (`4B`), or the name of a group or half-group EDT made (`4B GR1`, `4A_4B LV2`):
 * a short code of letters and digits is taken for a division; anything else is left without a kind, for the
 * gateway to match against classes and groups alike [UNVERIFIED: EDT has no marker of its own for this].
 */
export function groupOfClasse(value: string): GroupRef {
  return /^[0-9A-Za-z]{1,6}$/.test(value) ? { code: value, kind: 'division' } : { code: value };
}

interface Line {
  numero: string;
  /** What tells a NUMERO's sessions apart: `<weekday>-<HHMM>-<minutes>-<alternation or H>`. */
  slot: string;
  course: TimetableCourse;
}

const sameRef = (a: ResourceRef, b: ResourceRef) => JSON.stringify(a) === JSON.stringify(b);
const addRef = <T extends ResourceRef>(list: T[], ref: T | undefined) => {
  if (ref && !list.some((known) => sameRef(known, ref))) list.push(ref);
};

/** One Cours line → its course, or the problem that keeps it out (naming line and field). */
function lineOf(element: XmlElement, file: string): Line | ConnectorProblem {
  const field = (name: string) => childText(element, name) ?? '';
  const refuse = (name: string, detail: string, sourceId?: string): ConnectorProblem => ({
    file, line: element.children.find((child) => child.name === name)?.line ?? element.line, field: name, code: 'bad-value', severity: 'error', detail, sourceId,
  });
  const numero = field('NUMERO');
  if (!numero) return refuse('NUMERO', 'the course line has no NUMERO; expected the course number');
  const day = field('JOUR');
  const weekday = DAYS[day.toLowerCase()];
  if (!weekday) return refuse('JOUR', `JOUR "${day}" is not a day; expected lundi … samedi`, numero);
  const start = minutesOfDay(field('H.DEBUT'));
  if (start === undefined) return refuse('H.DEBUT', `H.DEBUT "${field('H.DEBUT')}" is not a time; expected HHhMM (09h00)`, numero);
  const duration = durationMinutes(field('DUREE'));
  if (duration === undefined) return refuse('DUREE', `DUREE "${field('DUREE')}" is not a duration; expected HhMM (1h00, 0h55)`, numero);
  const weeks = weeksOfAlternation(field('ALTERNANCE') || field('FREQUENCE'));

  const course: TimetableCourse = {
    sourceId: numero, teachers: [], groups: [], rooms: [], weekday, startTime: clockText(start), durationMinutes: duration, weeks,
    position: { file, line: element.line },
  };
  if (field('MAT_CODE') || field('MAT_LIBELLE')) {
    course.subject = { code: field('MAT_CODE') || undefined, name: field('MAT_LIBELLE') || undefined };
  }
  if (field('PROF_NOM')) addRef(course.teachers, { familyName: field('PROF_NOM'), givenName: field('PROF_PRENOM') || undefined });
  if (field('CLASSE')) addRef(course.groups, groupOfClasse(field('CLASSE')));
  if (field('SALLE')) addRef(course.rooms, { code: field('SALLE') });
  const alternation = typeof weeks === 'object' && 'alternation' in weeks ? weeks.alternation : 'H';
  return { numero, slot: `${weekday}-${course.startTime.replace(':', '')}-${duration}-${alternation}`, course };
}

/**
 * The items of an EXP_COURS document, from its `Cours` lines: each room and subject once, as they are first
 * named, and problems as the lines come; then the courses, lines of one NUMERO and slot merged (their teachers,
 * classes and rooms together), once the whole file is read since co-taught lines need not follow each other.
 * A course's source id is its NUMERO; a NUMERO on several slots (days, times, durations or alternations) makes
 * a course of each, `<NUMERO>:<slot>`.
 */
export async function* expCoursItems(elements: AsyncIterable<XmlElement>, file: string): AsyncGenerator<TimetableItem> {
  const courses = new Map<string, Map<string, Line>>();
  const rooms = new Set<string>();
  const subjects = new Set<string>();
  for await (const element of elements) {
    if (element.name !== 'Cours' && element.name !== 'Cours_annuels') continue;
    const line = lineOf(element, file);
    if (!('course' in line)) {
      yield { kind: 'problem', problem: line };
      continue;
    }
    const { course } = line;
    const position = course.position;
    for (const room of course.rooms) {
      if (room.code && !rooms.has(room.code)) {
        rooms.add(room.code);
        yield { kind: 'room', room: { code: room.code, position } };
      }
    }
    if (course.subject?.code && !subjects.has(course.subject.code)) {
      subjects.add(course.subject.code);
      yield { kind: 'subject', subject: { code: course.subject.code, name: course.subject.name, position } };
    }
    const slots = courses.get(line.numero) ?? new Map<string, Line>();
    courses.set(line.numero, slots);
    const known = slots.get(line.slot);
    if (!known) {
      slots.set(line.slot, line);
    } else {
      course.teachers.forEach((ref) => addRef(known.course.teachers, ref));
      course.groups.forEach((ref) => addRef(known.course.groups, ref));
      course.rooms.forEach((ref) => addRef(known.course.rooms, ref));
      known.course.subject ??= course.subject;
    }
  }
  for (const slots of courses.values()) {
    for (const { numero, slot, course } of slots.values()) {
      yield { kind: 'course', course: slots.size === 1 ? course : { ...course, sourceId: `${numero}:${slot}` } };
    }
  }
}
