// Index Éducation's UnDeuxTemps (UDT): the ZIP of `UDCal_*.xml` files an établissement exports, unpacked by the
// gateway, read as ENTCORE's feeder reads it (feeder/…/timetable/udt/UDTImporter.java and UDTHandler.java, the
// version with per-week co-teaching files): the calendar and parameters, the rooms, teachers, subjects, classes
// and groups, the half-sequences and fiches-T, the theoretical timetable's lines (UDCal_12) made into courses,
// then each published week's own lines (UDCal_12_NN, ISO week NN) compared with it as dated changes. Pupils
// (UDCal_10) and their groups (UDCal_21) are never read. What we took where, and what we guessed ([UNVERIFIED]),
// is said in each module.
import type { ConnectorProblem } from '../kit/problem.js';
import type { TimetableFile, TimetableItem, TimetableParser } from '../kit/timetable.js';
import { mondayOfWeek, readCalendar, readParameters, readPublishedWeeks, type SchoolYear } from './calendar.js';
import { weekChanges } from './changes.js';
import { readCourses, type CourseContext } from './courses.js';
import { fileNameOf, sortDelivery, type TableName, type UdtDelivery } from './files.js';
import { readCoTeaching, readGroups, readRooms, readSubjects, readTeachers, type References } from './resources.js';
import { readFiches, readHalfSequences } from './slots.js';

export const SOURCE = 'udt';

/** A reader's problems as items, handing on what it returns. */
async function* asItems<R>(reader: AsyncGenerator<ConnectorProblem, R>): AsyncGenerator<TimetableItem, R> {
  for (;;) {
    const next = await reader.next();
    if (next.done) return next.value;
    yield { kind: 'problem', problem: next.value };
  }
}

/** Optional tables the delivery lacks, each said once: what they would name is then named by its code alone. */
function* absentTables(delivery: UdtDelivery, absent: Set<TableName>): Generator<TimetableItem> {
  const optional: [TableName, string][] = [
    ['rooms', 'rooms are named by their code alone'],
    ['teachers', 'teachers are named by their UDT code alone'],
    ['subjects', 'subjects are named by their UDT code alone'],
    ['divisions', 'classes are named by their code alone'],
    ['groups', 'groups are named by their class and group codes'],
    ['regroupings', 'lines of a regrouping name their group or class instead'],
  ];
  for (const [table, consequence] of optional) {
    if (delivery.tables[table]) continue;
    const name = fileNameOf(table);
    absent.add(table);
    yield { kind: 'problem', problem: { file: name, code: 'missing-file', severity: 'warning', detail: `the delivery has no ${name}: ${consequence}` } };
  }
}

/**
 * The items of a UDT delivery: the calendar, rooms and subjects, the theoretical courses, then the published
 * weeks' changes. Throws FileProblem for a delivery without one of the files a timetable needs, and for a file
 * that is not well-formed XML (naming its line): a timetable read in part would drop courses silently.
 */
export const parseUdt: TimetableParser = async function* parseUdt(files: TimetableFile[]) {
  const delivery = sortDelivery(files);
  const { tables } = delivery;
  if (delivery.ignored) yield { kind: 'problem', problem: delivery.ignored };

  const calendar = yield* asItems(readCalendar(tables.calendar));
  const parameters = yield* asItems(readParameters(tables.parameters, calendar));
  const publishedWeeks = tables.publishedWeeks ? yield* asItems(readPublishedWeeks(tables.publishedWeeks)) : undefined;
  const year: SchoolYear = {
    calendar, startDate: calendar.startDate, endDate: calendar.endDate, ...parameters,
    ...(publishedWeeks ? { publishedWeeks } : {}),
  };
  yield { kind: 'calendar', calendar };

  const absent = new Set<TableName>();
  yield* absentTables(delivery, absent);
  const rooms = yield* readRooms(tables.rooms);
  const teachers = yield* readTeachers(tables.teachers);
  const subjects = yield* readSubjects(tables.subjects);
  const groups = yield* readGroups(tables);
  const references: References = { rooms, teachers, subjects, ...groups, absent };
  const coTeaching = yield* readCoTeaching(tables.coTeaching, teachers);

  const slots = yield* asItems(readHalfSequences(tables.halfSequences, year.halfSequenceMinutes));
  const fiches = yield* asItems(readFiches(tables.fiches, slots));
  const context: CourseContext = { references, fiches, coTeaching, validFrom: year.startDate, validTo: year.endDate };
  const theoretical = yield* asItems(readCourses(tables.lines, context));
  for (const { course } of theoretical) yield { kind: 'course', course };

  yield* publishedWeekChanges(delivery, year, context, theoretical);
};

/** The changes of each week's own timetable, in the order of the school year. */
async function* publishedWeekChanges(
  delivery: UdtDelivery, year: SchoolYear, context: CourseContext, theoretical: Parameters<typeof weekChanges>[0],
): AsyncGenerator<TimetableItem> {
  const weeks = [...delivery.weekLines].map(([week, file]) => ({ week, file, monday: mondayOfWeek(year, week) }));
  weeks.sort((a, b) => (a.monday ?? '').localeCompare(b.monday ?? ''));
  for (const { week, file, monday } of weeks) {
    if (!monday) {
      yield { kind: 'problem', problem: { file: file.name, code: 'bad-week', severity: 'warning', detail: `the school year has no ISO week ${week}; the file is not read` } };
      continue;
    }
    // ENTCORE reads a week's file only when semaines.xml publishes that week (or it is the year's first).
    if (year.publishedWeeks && !year.publishedWeeks.has(week) && week !== year.firstWeek) {
      yield { kind: 'problem', problem: { file: file.name, code: 'unpublished-week', severity: 'warning', detail: `semaines.xml does not publish week ${week}; the file is not read` } };
      continue;
    }
    // A week's own co-teachings (UDCal_23_NN) replace the theoretical ones for that week, when it has them.
    const weekCoTeaching = delivery.weekCoTeaching.get(week);
    const coTeaching = weekCoTeaching ? yield* readCoTeaching(weekCoTeaching, context.references.teachers) : context.coTeaching;
    const actual = yield* asItems(readCourses(file, { ...context, coTeaching }));
    for (const change of weekChanges(theoretical, actual, monday, year, file.name)) yield { kind: 'change', change };
  }
}
