// The partner export's Cours → courses and dated changes. A Cours is a slot (Jour, NumeroPlaceDebut,
// NombrePlaces) and the resources it holds (Matiere, Professeur, Classe, PartieDeClasse, Groupe, Salle), each
// for the weeks its own `Semaines` (or `SemainesInclusion`) mask sets; `SemainesAnnulation` marks cancelled weeks.
// The course runs in the union of its resources' weeks and its cancelled ones (where it was planned), as ISO
// weeks, from the first to the last of those dates. Within that:
//  - weeks whose subject, classes or groups differ make separate courses (`<Ident>:<their idents>`);
//  - teachers and rooms are those of most of its weeks; a week with others gets one change: `substituted`
//    (with that week's teachers, and rooms when they differ too) or `room-changed` (with that week's rooms);
//  - a cancelled week gets a `cancelled` change. Changes are `<course>@<date>`.
import type { Temporal } from 'temporal-polyfill';
import { FileProblem, type ConnectorProblem } from '../kit/problem.js';
import type { GroupRef, ResourceRef, TimetableChange, TimetableCourse, TimetableItem } from '../kit/timetable.js';
import type { XmlElement } from '../kit/xml.js';
import { clockText } from './clock.js';
import type { PartnerResources } from './partner-resources.js';
import { isoWeeksOf, sessionDate, weeksOfMask } from './weeks.js';

type Role = 'subject' | 'teacher' | 'group' | 'room';

interface Held {
  role: Role;
  ident: string;
  ref: ResourceRef | GroupRef;
  /** Undefined: every week of the course (no mask given). */
  weeks?: Set<number>;
}

const ROLES: Record<string, { role: Role; table: keyof PartnerResources }> = {
  Matiere: { role: 'subject', table: 'subjects' },
  Professeur: { role: 'teacher', table: 'teachers' },
  Classe: { role: 'group', table: 'classes' },
  PartieDeClasse: { role: 'group', table: 'parts' },
  Groupe: { role: 'group', table: 'groups' },
  Salle: { role: 'room', table: 'rooms' },
};

const attribute = (element: XmlElement, name: string): string => element.attributes[name]?.trim() ?? '';

/** The resources a Cours holds, with their weeks; problems for unknown references and unreadable masks. */
function heldBy(element: XmlElement, resources: PartnerResources, problem: (field: string, detail: string, line: number) => void): Held[] {
  const held: Held[] = [];
  for (const child of element.children) {
    const kind = ROLES[child.name];
    if (!kind) continue; // Materiel, Personnel, Eleve: not part of the contract.
    const ident = attribute(child, 'Ident');
    const table = resources[kind.table] as Map<string, ResourceRef>;
    const ref = table.get(ident);
    if (!ref) problem('Ident', `${child.name} "${ident}" is not described in the export; expected one of its ${child.name} elements (kept by its Ident)`, child.line);
    const mask = child.attributes.Semaines ?? child.attributes.SemainesInclusion;
    const weeks = mask === undefined ? undefined : weeksOfMask(mask);
    if (mask !== undefined && !weeks) problem('Semaines', `Semaines "${mask}" is not a week mask; expected an integer (taken as every week of the course)`, child.line);
    held.push({ role: kind.role, ident, ref: ref ?? { sourceId: ident }, weeks: weeks && new Set(weeks) });
  }
  return held;
}

const activeIn = (held: Held[], week: number, ...roles: Role[]) =>
  held.filter((item) => roles.includes(item.role) && (!item.weeks || item.weeks.has(week)));
const keyOf = (items: Held[]) => [...new Set(items.map((item) => item.ident))].sort().join('+');

/** The value most weeks have (the earliest on a tie). */
function mostFrequent(keys: string[]): string {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

/** One Cours → its courses and changes, or the problems that keep it out. Throws FileProblem without a first week. */
export function courseItems(element: XmlElement, resources: PartnerResources, file: string): TimetableItem[] {
  const problems: TimetableItem[] = [];
  const problem = (field: string, detail: string, line = element.line, severity: ConnectorProblem['severity'] = 'warning') =>
    problems.push({ kind: 'problem', problem: { file, line, field, code: 'bad-value', severity, detail } });
  const refuse = (field: string, detail: string): TimetableItem[] => (problem(field, detail, element.line, 'error'), problems);
  const firstDay = resources.firstDay;
  if (!firstDay) {
    throw new FileProblem({
      file, line: element.line, field: 'DatePremierJourSemaine1', code: 'missing-calendar', severity: 'error',
      detail: 'a Cours comes before any usable AnneeScolaire@DatePremierJourSemaine1; expected the school year first, its week 1 dates the courses',
    });
  }
  const jour = Number(attribute(element, 'Jour'));
  if (!Number.isInteger(jour) || jour < 1 || jour > 7) return refuse('Jour', `Jour "${attribute(element, 'Jour')}" is not a day; expected 1 (first day of the week) to 7`);
  const first = Number(attribute(element, 'NumeroPlaceDebut'));
  const count = Number(attribute(element, 'NombrePlaces') || '1');
  const start = resources.places.get(first);
  if (!start) return refuse('NumeroPlaceDebut', `NumeroPlaceDebut "${attribute(element, 'NumeroPlaceDebut')}" is no place of GrilleHoraire; expected a Place@Numero`);
  const end = Number.isInteger(count) && count >= 1 ? resources.places.get(first + count - 1) : undefined;
  if (!end || end.end <= start.start) return refuse('NombrePlaces', `NombrePlaces "${attribute(element, 'NombrePlaces')}" ends beyond GrilleHoraire's places; expected places ${first}…${first + count - 1} to exist`);

  const held = heldBy(element, resources, (field, detail, line) => problem(field, detail, line));
  const cancelMask = element.attributes.SemainesAnnulation;
  const cancelledWeeks = cancelMask === undefined ? [] : weeksOfMask(cancelMask);
  const cancelled = new Set(cancelledWeeks ?? []);
  if (!cancelledWeeks) problem('SemainesAnnulation', `SemainesAnnulation "${cancelMask}" is not a week mask; expected an integer (no week taken as cancelled)`);
  const weeks = [...new Set([...held.flatMap((item) => [...(item.weeks ?? [])]), ...cancelled])].sort((a, b) => a - b);
  if (weeks.length === 0) return refuse('Semaines', 'the Cours applies in no week: none of its resources has a Semaines mask with a week set');

  // Weeks by what is taught to whom; a cancelled week whose resources are all off goes with the most weeks.
  const byWhat = new Map<string, number[]>();
  const orphans: number[] = [];
  for (const week of weeks) {
    const what = activeIn(held, week, 'subject', 'group');
    if (what.length === 0 && cancelled.has(week)) orphans.push(week);
    else byWhat.set(keyOf(what), [...(byWhat.get(keyOf(what)) ?? []), week]);
  }
  if (byWhat.size === 0) return refuse('Semaines', 'the Cours has only cancelled weeks, with no resource in them');
  const largest = [...byWhat.entries()].reduce((best, entry) => (entry[1].length > best[1].length ? entry : best))[0];
  byWhat.get(largest)!.push(...orphans);

  const ident = attribute(element, 'Ident');
  const base = ident || `${jour}.${first}.${count}`;
  const items: TimetableItem[] = [];
  for (const [what, ownWeeks] of byWhat) {
    const sourceId = ident && byWhat.size === 1 ? base : `${base}:${what}`;
    ownWeeks.sort((a, b) => a - b);
    const dates = new Map(ownWeeks.map((week) => [week, sessionDate(firstDay, week, jour)]));
    items.push(...sessionsOf({ sourceId, held, ownWeeks, dates, cancelled, start: start.start, end: end.end, file, line: element.line }));
  }
  return [...problems, ...items];
}

interface Sessions {
  sourceId: string;
  held: Held[];
  ownWeeks: number[];
  dates: Map<number, Temporal.PlainDate>;
  cancelled: Set<number>;
  start: number;
  end: number;
  file: string;
  line: number;
}

/** A course of some weeks of a Cours, with its changes: teachers and rooms of most weeks, the others as changes. */
function sessionsOf(s: Sessions): TimetableItem[] {
  const position = { file: s.file, line: s.line };
  const running = s.ownWeeks.filter((week) => !s.cancelled.has(week));
  const reference = running[0] ?? s.ownWeeks[0];
  const refs = (week: number, role: Role) => activeIn(s.held, week, role).map((item) => item.ref);
  const usual = (role: Role) => {
    const key = mostFrequent((running.length > 0 ? running : s.ownWeeks).map((week) => keyOf(activeIn(s.held, week, role))));
    return { key, week: s.ownWeeks.find((week) => keyOf(activeIn(s.held, week, role)) === key)! };
  };
  const teachers = usual('teacher');
  const rooms = usual('room');
  const dates = [...s.dates.values()];
  const course: TimetableCourse = {
    sourceId: s.sourceId,
    subject: refs(reference, 'subject')[0],
    teachers: refs(teachers.week, 'teacher'),
    groups: refs(reference, 'group'),
    rooms: refs(rooms.week, 'room'),
    weekday: dates[0].dayOfWeek,
    startTime: clockText(s.start),
    durationMinutes: s.end - s.start,
    weeks: { isoWeeks: isoWeeksOf(dates) },
    validFrom: dates[0].toString(),
    validTo: dates[dates.length - 1].toString(),
    position,
  };
  const items: TimetableItem[] = [{ kind: 'course', course }];
  for (const week of s.ownWeeks) {
    const date = s.dates.get(week)!.toString();
    const change = (fields: Omit<TimetableChange, 'sourceId' | 'courseSourceId' | 'date' | 'position'>): TimetableItem =>
      ({ kind: 'change', change: { sourceId: `${s.sourceId}@${date}`, courseSourceId: s.sourceId, date, ...fields, position } });
    if (s.cancelled.has(week)) {
      items.push(change({ status: 'cancelled' }));
      continue;
    }
    const otherTeachers = keyOf(activeIn(s.held, week, 'teacher')) !== teachers.key;
    const otherRooms = keyOf(activeIn(s.held, week, 'room')) !== rooms.key;
    if (otherTeachers) {
      items.push(change({ status: 'substituted', teachers: refs(week, 'teacher'), ...(otherRooms ? { rooms: refs(week, 'room') } : {}) }));
    } else if (otherRooms) {
      items.push(change({ status: 'room-changed', rooms: refs(week, 'room') }));
    }
  }
  return items;
}
