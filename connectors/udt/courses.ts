// The courses of a timetable's lines of fiches-T (UDCal_12 `ligfiche@code@fic@div@mat@prof@salle@gpe@rgpmt`,
// or a week's UDCal_12_NN). As ENTCORE's UDTImporter makes them (addCourse, generateCourses): the lines of one
// teaching (same class, subject, teacher, regrouping and group) sorted by code, those whose codes' first three
// digits run in sequence (fiches in consecutive half-sequences) make one course, from the start of the first
// fiche's half-sequence to the end of the last's; a line without a class (div) is no course; the course's
// audience is its regrouping when UDCal_13 knows it, else its group, else its class; co-teachers (UDCal_23)
// join the teacher. We also start a new course where the day changes or the slots go backwards, which
// ENTCORE does not check, and keep a single line as a course (ENTCORE's loop drops a teaching of one line).
// [UNVERIFIED] that a line's code is its fiche's code followed by the line's number (`00302`: fiche 003, line
// 2), which ENTCORE's use of the first three digits suggests. UDCal_23's `lignefic` is a line's code: ENTCORE
// (latest) looks the co-teachers up by the course's first line, we by any of its lines; an older ENTCORE
// looked them up by fiche code instead [UNVERIFIED which one UDT means].
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import type { GroupRef, ResourceRef, TimetableCourse, TimetableFile } from '../kit/timetable.js';
import { clockTime, problemAt, readUdtRecords, type UdtRecord } from './read.js';
import { fileNameOf, type TableName } from './files.js';
import type { References } from './resources.js';
import type { Fiche, Fiches } from './slots.js';

interface Line {
  code: string;
  fiche: Fiche;
  attributes: Record<string, string>;
  position: SourcePosition;
}

/** A course, with what tells it apart from another version of the timetable. */
export interface UdtCourse {
  course: TimetableCourse;
  /** Slot and audience, without teacher and room: a week's course matching it changes the theoretical one. */
  slotKey: string;
}

export interface CourseContext {
  references: References;
  fiches: Fiches;
  coTeaching: ReadonlyMap<string, ResourceRef[]>;
  validFrom: string;
  validTo: string;
}

/** The number of the fiche a line's code starts with (`00302` → 3), NaN when it does not. */
const ficheNumber = (code: string): number => (/^\d{3}/.test(code) ? Number(code.slice(0, 3)) : Number.NaN);

/** Whether `next` goes on the course `previous` is part of: the next fiche, later the same day. */
const continues = (previous: Line, next: Line): boolean =>
  ficheNumber(next.code) === ficheNumber(previous.code) + 1
  && next.fiche.weekday === previous.fiche.weekday
  && next.fiche.start >= previous.fiche.end;

/** The courses of a lines file, each with a problem for a line that cannot be used. */
export async function* readCourses(file: TimetableFile, context: CourseContext): AsyncGenerator<ConnectorProblem, UdtCourse[]> {
  const teachings = new Map<string, Line[]>();
  let withoutClass: UdtRecord | undefined;
  let withoutClassCount = 0;
  for await (const record of readUdtRecords(file, new Set(['ligfiche']))) {
    const { div = '', fic = '', mat = '', prof = '', rgpmt = '', gpe = '' } = record.attributes;
    if (!div) {
      withoutClass ??= record;
      withoutClassCount += 1;
      continue;
    }
    const fiche = context.fiches.usable.get(fic);
    if (!fiche) {
      const refused = context.fiches.refused.get(fic);
      yield problemAt(record, 'fic', 'unknown-reference', 'error', refused
        ? `fiche ${fic} was refused (${refused.file} line ${refused.line}); the line is left out`
        : `fiche "${fic}" is not in UDCal_11; the line is left out`);
      continue;
    }
    const key = [div, mat, prof, rgpmt, gpe].join('|');
    const lines = teachings.get(key) ?? [];
    lines.push({ code: record.attributes.code ?? '', fiche, attributes: record.attributes, position: record.position });
    teachings.set(key, lines);
  }
  if (withoutClass) {
    yield problemAt(withoutClass, 'div', 'not-a-course', 'warning', `${withoutClassCount} line(s) name no class (div) and are not courses (as ENTCORE reads UDT)`);
  }

  const references = new ReferenceResolver(context.references);
  const courses: UdtCourse[] = [];
  const seen = new Set<string>();
  for (const lines of teachings.values()) {
    lines.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    let run: Line[] = [];
    for (const line of lines) {
      if (run.length > 0 && !continues(run[run.length - 1], line)) {
        courses.push(courseOf(run, context, references));
        run = [];
      }
      run.push(line);
    }
    courses.push(courseOf(run, context, references));
  }
  yield* references.problems;

  const unique: UdtCourse[] = [];
  for (const course of courses) {
    if (seen.has(course.course.sourceId)) {
      yield { ...course.course.position, field: 'fic', code: 'duplicate-course', severity: 'warning', detail: `the course ${course.course.sourceId} is given twice; the first is kept` };
      continue;
    }
    seen.add(course.course.sourceId);
    unique.push(course);
  }
  return unique;
}

function courseOf(run: Line[], context: CourseContext, references: ReferenceResolver): UdtCourse {
  const [first, last] = [run[0], run[run.length - 1]];
  const { div = '', mat = '', prof = '', rgpmt = '', gpe = '' } = first.attributes;
  const teachers = prof ? [references.teacher(prof, first)] : [];
  for (const line of run) {
    for (const coTeacher of context.coTeaching.get(line.code) ?? []) {
      if (!teachers.some((teacher) => teacher.sourceId === coTeacher.sourceId)) teachers.push(coTeacher);
    }
  }
  const rooms: ResourceRef[] = [];
  for (const line of run) {
    const room = line.attributes.salle;
    if (room && !rooms.some((other) => other.code === room)) rooms.push(references.room(room, line));
  }
  const subject = mat ? references.subject(mat, first) : undefined;
  const start = clockTime(first.fiche.start);
  const durationMinutes = last.fiche.end - first.fiche.start;
  const weekday = first.fiche.weekday;
  const audience = `${div}/${gpe || '-'}/${rgpmt || '-'}/${mat || '-'}`;
  return {
    course: {
      sourceId: `${audience}/${prof || '-'}@${weekday}T${start}`,
      ...(subject ? { subject } : {}),
      teachers,
      groups: [references.audience(div, gpe, rgpmt, first)],
      rooms,
      weekday,
      startTime: start,
      durationMinutes,
      // [UNVERIFIED] UDT's week alternations are in no file ENTCORE reads; the weeks' own files (UDCal_12_NN) say
      // which sessions actually run, as dated changes.
      weeks: 'all',
      validFrom: context.validFrom,
      validTo: context.validTo,
      position: first.position,
    },
    slotKey: `${audience}@${weekday}T${start}+${durationMinutes}`,
  };
}

/** A line's codes as references, a code no table knows reported once per field and value, at its first line. */
class ReferenceResolver {
  readonly problems: ConnectorProblem[] = [];
  private readonly reported = new Set<string>();

  constructor(private readonly tables: References) {}

  teacher(code: string, line: Line): ResourceRef {
    return this.tables.teachers.get(code) ?? this.unknown('prof', code, line, 'teachers', { sourceId: code });
  }

  room(code: string, line: Line): ResourceRef {
    return this.tables.rooms.get(code) ?? this.unknown('salle', code, line, 'rooms', { code });
  }

  subject(code: string, line: Line): ResourceRef {
    return this.tables.subjects.get(code) ?? this.unknown('mat', code, line, 'subjects', { sourceId: code, code });
  }

  /** The regrouping UDCal_13 knows, else the class's group (UDCal_19), else the class (UDCal_08). */
  audience(div: string, gpe: string, rgpmt: string, line: Line): GroupRef {
    const regrouping = rgpmt ? this.tables.regroupings.get(rgpmt) : undefined;
    if (regrouping) return regrouping;
    if (gpe) return this.tables.groups.get(`${div}|${gpe}`) ?? this.unknown('gpe', `${div}|${gpe}`, line, 'groups', { code: `${div}${gpe}`, kind: 'group' });
    return this.tables.divisions.get(div) ?? this.unknown('div', div, line, 'divisions', { code: div, kind: 'division' });
  }

  private unknown<T extends ResourceRef>(field: string, code: string, line: Line, table: TableName, ref: T): T {
    const key = `${field}|${code}`;
    if (!this.tables.absent.has(table) && !this.reported.has(key)) {
      this.reported.add(key);
      this.problems.push({
        ...line.position, field, code: 'unknown-reference', severity: 'warning',
        detail: `"${code.replace('|', ' ')}" is not in ${fileNameOf(table)}; the course names it by its code alone`,
      });
    }
    return ref;
  }
}
