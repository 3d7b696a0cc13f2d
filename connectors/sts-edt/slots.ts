// The lessons of an EDT_STS file: each SERVICE @CODE_MATIERE of a DIVISION or GROUPE names its teachers
// (ENSEIGNANTS/ENSEIGNANT @ID @TYPE), each with the lessons it gives (COURS_RATTACHES/COURS: CODE_SALLE, JOUR,
// HEURE_DEBUT and DUREE as HHMM, CODE_ALTERNANCE). The same slot written under two services or teachers
// (co-teaching), or for two groups in one room, is one course: slots merge on subject, weekday, time, duration,
// room and alternation (and, without a room, on the group, so that two classes' lessons are not mixed up).
import type { ConnectorProblem } from '../kit/problem.js';
import type { GroupRef } from '../kit/timetable.js';
import { childText, type XmlElement } from '../kit/xml.js';
import { individualId } from '../sts-web/map.js';

export interface Slot {
  subject?: string;
  teacher?: string;
  group: GroupRef & { code: string };
  room?: string;
  /** 1 = Monday (JOUR 1 is LUNDI in ENT-CRLR's reader of this file) … 7 = Sunday. */
  weekday: number;
  startTime: string;
  durationMinutes: number;
  alternation?: string;
  line: number;
}

export interface MergedSlot extends Omit<Slot, 'teacher' | 'group'> {
  key: string;
  teachers: string[];
  groups: (GroupRef & { code: string })[];
}

/** `0830`, `830` or `08:30` → minutes since midnight; undefined for anything else. */
function minutesOf(text: string | undefined, maxHours: number): number | undefined {
  const match = /^(\d{1,2}):?(\d{2})$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  return hours < maxHours && minutes < 60 ? hours * 60 + minutes : undefined;
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const children = (element: XmlElement, list: string, item: string): XmlElement[] =>
  element.children.filter((c) => c.name === list).flatMap((c) => c.children.filter((g) => g.name === item));

/** The slots of one DIVISION or GROUPE, and a problem for each COURS that cannot be read. */
export function slotsOf(structure: XmlElement, file: string): { slots: Slot[]; problems: ConnectorProblem[] } {
  const slots: Slot[] = [];
  const problems: ConnectorProblem[] = [];
  const code = structure.attributes.CODE?.trim();
  if (!code) {
    problems.push({ file, line: structure.line, field: 'CODE', code: 'invalid-field', severity: 'error', detail: `${structure.name} has no CODE; its lessons are left out` });
    return { slots, problems };
  }
  const group = { code, kind: structure.name === 'DIVISION' ? 'division' as const : 'group' as const };
  for (const service of children(structure, 'SERVICES', 'SERVICE')) {
    const subject = service.attributes.CODE_MATIERE?.trim() || undefined;
    for (const enseignant of children(service, 'ENSEIGNANTS', 'ENSEIGNANT')) {
      const teacher = individualId(enseignant);
      for (const cours of children(enseignant, 'COURS_RATTACHES', 'COURS')) {
        const bad = (field: string, expected: string) => problems.push({
          file, line: cours.line, field, code: 'invalid-field', severity: 'error',
          detail: `COURS of ${code} has ${field} "${childText(cours, field) ?? ''}"; expected ${expected}; the lesson is left out`,
        });
        const weekday = Number(childText(cours, 'JOUR'));
        const start = minutesOf(childText(cours, 'HEURE_DEBUT'), 24);
        const duration = minutesOf(childText(cours, 'DUREE'), 24);
        if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) bad('JOUR', 'a day number from 1 (Monday) to 7');
        else if (start === undefined) bad('HEURE_DEBUT', 'a start time as HHMM');
        else if (!duration) bad('DUREE', 'a duration as HHMM, more than 0000');
        else {
          const room = childText(cours, 'CODE_SALLE')?.trim() || undefined;
          const alternation = childText(cours, 'CODE_ALTERNANCE')?.trim() || undefined;
          slots.push({ subject, teacher, group, room, weekday, startTime: hhmm(start), durationMinutes: duration, alternation, line: cours.line });
        }
      }
    }
  }
  return { slots, problems };
}

/** Slots merged into courses: one per subject, weekday, time, duration, room (else group) and alternation. */
export function mergeSlots(slots: Iterable<Slot>): MergedSlot[] {
  const merged = new Map<string, MergedSlot>();
  for (const slot of slots) {
    const place = slot.room ? `room:${slot.room}` : `${slot.group.kind}:${slot.group.code}`;
    const key = [slot.subject ?? '', slot.weekday, slot.startTime, slot.durationMinutes, place, slot.alternation ?? ''].join('|');
    let course = merged.get(key);
    if (!course) {
      const { teacher: _teacher, group: _group, ...rest } = slot;
      course = { ...rest, key, teachers: [], groups: [] };
      merged.set(key, course);
    }
    if (slot.teacher && !course.teachers.includes(slot.teacher)) course.teachers.push(slot.teacher);
    if (!course.groups.some((g) => g.code === slot.group.code && g.kind === slot.group.kind)) course.groups.push(slot.group);
  }
  return [...merged.values()];
}
