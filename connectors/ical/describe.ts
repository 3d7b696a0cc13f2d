// What one VEVENT says of its lesson: subject, teachers, groups and rooms, and the status of the session.
// Vendors put them in different places; what is read, the first that gives a field winning:
// - DESCRIPTION as Pronote writes it, one `Label : value` a line (HTML entities escaped): `Matière`,
//   `Professeur(s)`/`Enseignant(s)`, `Classe(s)`, `Groupe(s)` (`[4EME SC405]`), `Partie de classe`
//   (`<405> SC405`: the part's code), `Salle(s)`; a first line that is a status label (`Cours annulé`).
// - SUMMARY, Pronote's `[Status : ]SUBJECT - TEACHER[ - [GROUP] - <CLASS> PART]`: parts split on ` - ` (so that
//   `PHYSIQUE-CHIMIE` stays whole); the first is the subject; `[X]` and `<C> X` are groups; a name with a
//   civility (`M.`, `Mme`) or ending in an initial (`MARTIN S.`) is a teacher; a part with a digit is a group;
//   another is a teacher.
// - LOCATION: rooms, split on `,`. ATTENDEE with CUTYPE=ROOM or GROUP: rooms and groups; ORGANIZER's CN a
//   teacher when nothing else names one (individual attendees may be pupils: left out).
// - Status: STATUS:CANCELLED, or a label of french-formats.md §4.4 in CATEGORIES (`Cours - Cours annulé`),
//   SUMMARY or DESCRIPTION.
import type ICAL from 'ical.js';
import type { ChangeReason, GroupRef, OccurrenceStatus, ResourceRef } from '../kit/timetable.js';

export interface Lesson {
  subject?: string;
  teachers: ResourceRef[];
  groups: GroupRef[];
  rooms: string[];
}

export interface SessionStatus {
  status: Exclude<OccurrenceStatus, 'scheduled' | 'moved'>;
  reason?: ChangeReason;
  reasonText: string;
}

const fold = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();

/** Pronote's status labels (french-formats.md §4.4), folded, → what they mean; `Cours maintenu`/`modifié` change nothing. */
const STATUSES: Record<string, Omit<SessionStatus, 'reasonText'> | null> = {
  'cours annule': { status: 'cancelled' },
  annule: { status: 'cancelled' },
  'prof. absent': { status: 'cancelled', reason: 'teacher-absence' },
  'prof./pers. absent': { status: 'cancelled', reason: 'teacher-absence' },
  'classe absente': { status: 'cancelled', reason: 'class-absence' },
  'sortie pedagogique': { status: 'cancelled', reason: 'trip' },
  'conseil de classe': { status: 'cancelled', reason: 'meeting' },
  report: { status: 'cancelled', reason: 'other' },
  reporte: { status: 'cancelled', reason: 'other' },
  'changement de salle': { status: 'room-changed' },
  'modif salle': { status: 'room-changed' },
  remplacement: { status: 'substituted' },
  exceptionnel: { status: 'extra' },
  'cours maintenu': null,
  'cours modifie': null,
};

/** The status a label names, undefined when it names none. */
function statusOf(label: string): SessionStatus | undefined {
  const meaning = STATUSES[fold(label)];
  return meaning ? { ...meaning, reasonText: label.trim() } : undefined;
}

const decodeEntities = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&amp;/g, '&');

const CIVILITY = /^(m\.?|mr\.?|mme\.?|mlle\.?|monsieur|madame)\s+/i;

/** A teacher as a timetable names one: `M. DUPONT`, `MARTIN S.`, `DUPONT Jean`. Upper-case words are the family name. */
export function teacherOf(label: string): ResourceRef {
  const name = label.trim().replace(/\s+/g, ' ');
  const words = name.replace(CIVILITY, '').split(' ');
  const family = words.filter((w) => w.length > 1 && w === w.toUpperCase() && /\p{L}{2}/u.test(w));
  const given = words.filter((w) => !family.includes(w) && !/^\p{L}\.$/u.test(w));
  return { name, familyName: (family.length ? family : words.slice(-1)).join(' '), ...(family.length && given.length ? { givenName: given.join(' ') } : {}) };
}

const looksLikeTeacher = (part: string) => CIVILITY.test(part) || /\s\p{Lu}\.$/u.test(part);

/** A group as `[4EME SC405]` or a part of class as `<405> SC405` names it. */
function groupOf(label: string, kind?: GroupRef['kind']): GroupRef {
  const code = label.trim().replace(/^\[(.*)\]$/, '$1').replace(/^<[^>]*>\s*/, '').trim();
  return { code, ...(kind ? { kind } : {}) };
}

const list = (value: string) => value.split(/[,;]/).map((v) => v.trim()).filter(Boolean);
const texts = (event: ICAL.Component, name: string): string[] =>
  event.getAllProperties(name).flatMap((p) => p.getValues()).map((v) => String(v));

/** The lesson and status one VEVENT describes. */
export function describeEvent(event: ICAL.Component): { lesson: Lesson; status?: SessionStatus } {
  const lesson: Lesson = { teachers: [], groups: [], rooms: [] };
  let status: SessionStatus | undefined;
  if (String(event.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') status = { status: 'cancelled', reasonText: 'STATUS:CANCELLED' };
  for (const category of texts(event, 'categories').flatMap((c) => c.split(' - '))) status ??= statusOf(category);

  const described = { subject: false, teachers: false, groups: false };
  // A part of a class (a half group) names the lesson's group only when no Groupe or Classe line does.
  const parts: GroupRef[] = [];
  const description = decodeEntities(texts(event, 'description').join('\n')).split(/\n/);
  description.forEach((line, index) => {
    const labelled = /^\s*([^:]{2,30}?)\s*:\s*(.+)$/.exec(line);
    if (!labelled) {
      if (index === 0 && line.trim()) status ??= statusOf(line);
      return;
    }
    const [label, value] = [fold(labelled[1]), labelled[2].trim()];
    if (label === 'matiere') [lesson.subject, described.subject] = [value, true];
    else if (/^(professeur|enseignant|prof)s?$/.test(label)) lesson.teachers.push(...list(value).map(teacherOf));
    else if (/^classes?$/.test(label)) lesson.groups.push(...list(value).map((v) => groupOf(v, 'division')));
    else if (/^groupes?$/.test(label)) lesson.groups.push(...list(value).map((v) => groupOf(v, 'group')));
    else if (/^parties? de classe$/.test(label)) parts.push(...list(value).map((v) => groupOf(v, 'group')));
    else if (/^salles?$/.test(label)) lesson.rooms.push(...list(value));
    else if (index === 0) status ??= statusOf(line);
  });
  if (lesson.groups.length === 0) lesson.groups.push(...parts);
  described.teachers = lesson.teachers.length > 0;
  described.groups = lesson.groups.length > 0;

  let summary = String(event.getFirstPropertyValue('summary') ?? '').trim();
  const prefixed = /^([^:]{3,30}?)\s*:\s*(.+)$/.exec(summary);
  const prefixStatus = prefixed ? statusOf(prefixed[1]) : undefined;
  if (prefixed && (prefixStatus || STATUSES[fold(prefixed[1])] === null)) [status, summary] = [status ?? prefixStatus, prefixed[2]];
  const pieces = summary.split(/\s+-\s+/).map((p) => p.trim()).filter(Boolean);
  if (pieces.length > 0 && !described.subject) lesson.subject = pieces[0];
  for (const part of pieces.slice(1)) {
    const isGroup = /^[[<]/.test(part) || (!looksLikeTeacher(part) && /\d/.test(part));
    if (isGroup && !described.groups) lesson.groups.push(groupOf(part));
    else if (!isGroup && !described.teachers) lesson.teachers.push(teacherOf(part));
  }

  const location = String(event.getFirstPropertyValue('location') ?? '');
  if (location.trim()) lesson.rooms = list(location);
  for (const attendee of event.getAllProperties('attendee')) {
    const kind = String(attendee.getParameter('cutype') ?? '').toUpperCase();
    const name = String(attendee.getParameter('cn') ?? '').trim();
    if (!name) continue;
    if (kind === 'ROOM' && !lesson.rooms.includes(name)) lesson.rooms.push(name);
    if (kind === 'GROUP' && !lesson.groups.some((g) => g.code === name)) lesson.groups.push({ code: name });
  }
  const organizer = String(event.getFirstProperty('organizer')?.getParameter('cn') ?? '').trim();
  if (organizer && lesson.teachers.length === 0) lesson.teachers.push(teacherOf(organizer));
  return { lesson, ...(status ? { status } : {}) };
}
