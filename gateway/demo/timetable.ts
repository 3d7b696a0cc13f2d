// A demo establishment's weekly timetable: courses for every class and teaching group, placed greedily on a
// grid of slots so that no teacher, room or class is booked twice, and a few timetable changes after the
// rentrée. Pure and deterministic: the same structure gives the same courses. Course ids name the lesson (the
// group, the subject, its n-th lesson), not its slot, so another seed moves a course rather than replacing it.
import { DEMO_YEAR } from './academie.js';
import { hash32 } from './deterministic.js';
import type { DemoOperation, DemoRecord, EstablishmentType } from './generate.js';

/** What the timetable needs of an establishment's generated structure; people, rooms and groups by number or code. */
export interface TimetableStructure {
  type: EstablishmentType;
  /** Level codes, by level index. */
  levels: string[];
  divisions: { code: string; levelIndex: number }[];
  /** Teaching groups: a division's half-groups are coded `<division>-G1` and `-G2`; the others are options. */
  groups: { code: string; levelIndex: number; pupils: number[]; subject: string; teacher?: number }[];
  divisionOfPupil: number[];
  /** The teacher (by number) of a subject in a division (an école's class teacher, whatever the subject). */
  teacherOf: (subject: string, division: number) => number | undefined;
  /** Classroom codes; the first ones are the divisions' own, in order. */
  classrooms: string[];
  /** Special room codes (LABO1, GYM, PREAU…). */
  specialRooms: string[];
  /** A record's id, uai and source ids from its key suffix (`teacher/3`, `room/A101`, `course/…`). */
  base: (suffix: string) => { id: string; uai: string; sourceIds: { demo: string } };
}

type Weeks = 'all' | 'A' | 'B';
interface Slot { weekday: number; start: number; minutes: number }
interface PlannedCourse { key: string; subject: string; teacher: number; groupCode: string; weeks: Weeks; rooms: string[] }
/** Courses that run at the same time (a class's lesson, an option bar, the A/B sciences pair), over `span` slots. */
interface Unit { key: string; divisions: number[]; span: number; courses: PlannedCourse[] }
interface Placed { course: PlannedCourse; slots: number[]; room: string }

const time = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const at = (hh: number, mm = 0): number => hh * 60 + mm;

// École: Monday, Tuesday, Thursday and Friday, 08:30–11:30 and 13:30–16:30, in blocks of 90 minutes.
const ECOLE_SLOTS: Slot[] = [1, 2, 4, 5].flatMap((weekday) =>
  [at(8, 30), at(10), at(13, 30), at(15)].map((start) => ({ weekday, start, minutes: 90 })));
// Collège and lycée: 55-minute lessons from 08:00, lunch 12:00–13:30, Wednesday afternoon free.
const SECONDARY_SLOTS: Slot[] = [1, 2, 3, 4, 5].flatMap((weekday) =>
  [at(8), at(9), at(10), at(11), ...(weekday === 3 ? [] : [at(13, 30), at(14, 30), at(15, 30)])]
    .map((start) => ({ weekday, start, minutes: 55 })));

/** Weekly hours (slots) a division is taught as a whole, by type and level. */
const ECOLE_HOURS: Record<string, number> = { FRANC: 6, MATHS: 4, QLM: 1, LVE: 1, EPS: 2, 'A-PLA': 1, 'ED-MU': 1 };
const COLLEGE_HOURS: Record<string, number> = { FRANC: 4, MATHS: 4, HIGEO: 3, AGL1: 3, SVT: 1, 'PH-CH': 1, TECHN: 1, EPS: 3, 'A-PLA': 1, 'ED-MU': 1 };
const DIVISION_HOURS: Record<string, Record<string, number>> = {
  '6E': { ...COLLEGE_HOURS, FRANC: 5, AGL1: 4, EPS: 4 },
  '5E': COLLEGE_HOURS, '4E': COLLEGE_HOURS, '3E': COLLEGE_HOURS,
  '2DE': { FRANC: 4, MATHS: 4, HIGEO: 3, AGL1: 4, SVT: 1, 'PH-CH': 2, SES: 2, SNT: 2, EPS: 2 },
  '1RE': { FRANC: 4, HIGEO: 3, AGL1: 4, EPS: 2 },
  TLE: { PHILO: 4, HIGEO: 3, AGL1: 4, EPS: 2 },
};
/** Weekly hours of an option group (LV2, Latin, lycée specialties). */
const OPTION_HOURS: Record<string, number> = { ESP2: 2, ALL2: 2, LCALA: 1 };
const SPECIALTY_HOURS = 4;
/**
 * Weekly hours as lessons of one or two slots: EPS and specialties two by two, languages and Latin one by one, the
 * other subjects one double lesson and single ones. Doubles are usual, and each course is a year of occurrences.
 */
function lessonSpans(hours: number, doubles: 'none' | 'one' | 'all'): number[] {
  const count = doubles === 'none' ? 0 : doubles === 'one' ? Math.min(1, Math.floor(hours / 2)) : Math.floor(hours / 2);
  return [...Array<number>(count).fill(2), ...Array<number>(hours - 2 * count).fill(1)];
}
const SINGLE_LESSON_SUBJECTS = new Set(['AGL1', 'ESP2', 'ALL2', 'LCALA']);

/** Where a subject is taught when it has a room of its own; the others go to a classroom. */
const SUBJECT_ROOMS: Record<string, string[]> = {
  EPS: ['GYM', 'PREAU'], SVT: ['LABO2', 'LABO1'], 'PH-CH': ['LABO1', 'LABO2'], SNT: ['INFO1'], NSI: ['INFO1'],
};

/** The timetable's operations: its courses, then a few changes to sessions in the weeks after the rentrée. */
export function* timetableOperations(structure: TimetableStructure, seed: number): Generator<DemoOperation> {
  const slots = structure.type === 'ecole' ? ECOLE_SLOTS : SECONDARY_SLOTS;
  const placement = place(orderedUnits(structure), structure, slots);
  const upsert = (entity: 'course' | 'timetableChange', record: DemoRecord): DemoOperation => ({ entity, op: 'upsert', record });
  for (const { course, slots: covered, room } of placement.placed) {
    const { weekday, start } = slots[covered[0]];
    const last = slots[covered[covered.length - 1]];
    yield upsert('course', {
      ...structure.base(course.key),
      subjectId: structure.base(`subject/${course.subject}`).id,
      teacherIds: [structure.base(`teacher/${course.teacher + 1}`).id],
      groupIds: [structure.base(`group/${course.groupCode}`).id],
      roomIds: [structure.base(`room/${room}`).id],
      weekday,
      startTime: time(start),
      durationMinutes: last.start + last.minutes - start,
      weeks: course.weeks,
      validFrom: DEMO_YEAR.startDate,
      validTo: DEMO_YEAR.endDate,
    });
  }
  for (const change of timetableChanges(placement, structure, slots, seed)) yield upsert('timetableChange', change);
}

function orderedUnits(s: TimetableStructure): Unit[] {
  const optionBars = s.levels.flatMap((_, levelIndex) => optionUnits(s, levelIndex));
  const pairs = s.divisions.flatMap((_, d) => sciencePairUnit(s, d));
  const lessons = s.divisions.map((_, d) => divisionUnits(s, d));
  // Round by round over the divisions, so a crowded establishment drops the last hours of several classes
  // rather than all of the last class's; EPS first, as the gym is the scarcest room.
  const interleaved: Unit[] = [];
  for (let round = 0; round < Math.max(0, ...lessons.map((l) => l.length)); round++) {
    for (const list of lessons) if (round < list.length) interleaved.push(list[round]);
  }
  const isEps = (unit: Unit): boolean => unit.courses[0]?.subject === 'EPS';
  return [...optionBars, ...pairs, ...interleaved.filter(isEps), ...interleaved.filter((u) => !isEps(u))];
}

/** A division's whole-class lessons, one unit each, subjects taken in turn (FRANC, MATHS…, FRANC, MATHS…). */
function divisionUnits(s: TimetableStructure, d: number): Unit[] {
  const division = s.divisions[d];
  const hours = s.type === 'ecole' ? ECOLE_HOURS : DIVISION_HOURS[s.levels[division.levelIndex]] ?? {};
  const doubles = (subject: string) => (s.type === 'ecole' || SINGLE_LESSON_SUBJECTS.has(subject) ? 'none' : subject === 'EPS' ? 'all' : 'one');
  const lessons = Object.entries(hours).map(([subject, count]) => ({ subject, spans: lessonSpans(count, doubles(subject)) }));
  const units: Unit[] = [];
  for (let n = 0; n < Math.max(0, ...lessons.map((l) => l.spans.length)); n++) {
    for (const { subject, spans } of lessons) {
      const teacher = s.teacherOf(subject, d);
      if (n >= spans.length || teacher === undefined) continue;
      const key = `course/${division.code}/${subject}/${n + 1}`;
      const rooms = [...(SUBJECT_ROOMS[subject] ?? []), s.classrooms[d], ...s.classrooms]
        .filter((room) => subject !== 'EPS' || room === 'GYM' || room === 'PREAU');
      units.push({ key, divisions: [d], span: spans[n], courses: [{ key, subject, teacher, groupCode: division.code, weeks: 'all', rooms }] });
    }
  }
  return units;
}

/** The sciences half-groups: week A group 1 in physics and group 2 in biology, week B the other way round. */
function sciencePairUnit(s: TimetableStructure, d: number): Unit[] {
  const code = s.divisions[d].code;
  const halves = ['G1', 'G2'].map((g) => s.groups.find((group) => group.code === `${code}-${g}`));
  if (!halves[0] || !halves[1]) return [];
  const courses: PlannedCourse[] = [];
  (['A', 'B'] as const).forEach((weeks, w) => {
    ['PH-CH', 'SVT'].forEach((subject, k) => {
      const half = halves[(w + k) % 2]!;
      const teacher = s.teacherOf(subject, d);
      if (teacher === undefined) return;
      courses.push({ key: `course/${half.code}/${subject}/${weeks}`, subject, teacher, groupCode: half.code, weeks, rooms: [...SUBJECT_ROOMS[subject], ...s.classrooms] });
    });
  });
  return courses.length ? [{ key: `pair/${code}`, divisions: [d], span: 1, courses }] : [];
}

/**
 * A level's option groups packed into bars: groups that share no pupil and no teacher run at the same time
 * (Spanish and German, specialties no pupil takes together), one unit per bar and lesson.
 */
function optionUnits(s: TimetableStructure, levelIndex: number): Unit[] {
  const hoursOf = (subject: string): number => OPTION_HOURS[subject] ?? SPECIALTY_HOURS;
  const options = s.groups.filter((g) => g.levelIndex === levelIndex && !/-G[12]$/.test(g.code) && g.teacher !== undefined);
  const bars: { hours: number; groups: typeof options; pupils: Set<number>; teachers: Set<number> }[] = [];
  for (const group of options) {
    const hours = hoursOf(group.subject);
    let bar = bars.find((b) => b.hours === hours && !b.teachers.has(group.teacher!) && group.pupils.every((p) => !b.pupils.has(p)));
    if (!bar) bars.push(bar = { hours, groups: [], pupils: new Set(), teachers: new Set() });
    bar.groups.push(group);
    group.pupils.forEach((p) => bar.pupils.add(p));
    bar.teachers.add(group.teacher!);
  }
  return bars.flatMap((bar) => lessonSpans(bar.hours, SINGLE_LESSON_SUBJECTS.has(bar.groups[0].subject) ? 'none' : 'all').map((span, n): Unit => ({
    key: `bar/${bar.groups[0].code}/${n + 1}`,
    span,
    divisions: [...new Set([...bar.pupils].map((p) => s.divisionOfPupil[p]))].sort((a, b) => a - b),
    courses: bar.groups.map((g) => ({
      key: `course/${g.code}/${g.subject}/${n + 1}`, subject: g.subject, teacher: g.teacher!, groupCode: g.code, weeks: 'all' as const,
      rooms: [...(SUBJECT_ROOMS[g.subject] ?? []), ...[...s.classrooms].reverse()],
    })),
  })));
}

interface Placement {
  placed: Placed[];
  /** `kind/name/slot/week` for every teacher, room and division booked. */
  booked: Set<string>;
}

const weeksOf = (weeks: Weeks): ('A' | 'B')[] => (weeks === 'all' ? ['A', 'B'] : [weeks]);

/**
 * Greedy placement in the units' order: each unit takes the first slot (starting from a place of its own, days
 * where its class already has the subject last) where its classes, teachers and a room for each course are
 * free in every week it runs. A unit that fits nowhere is left out rather than double-booking anything.
 */
function place(units: Unit[], s: TimetableStructure, slots: Slot[]): Placement {
  const existing = new Set([...s.classrooms, ...s.specialRooms]);
  const booked = new Set<string>();
  const subjectDays = new Set<string>();
  const placed: Placed[] = [];
  for (const unit of units) {
    const offset = hash32(unit.key) % slots.length;
    const subjects = unit.courses.map((c) => c.subject);
    const repeatsSubject = (slot: number): boolean =>
      unit.divisions.some((d) => subjects.some((subject) => subjectDays.has(`${d}/${subject}/${slots[slot].weekday}`)));
    const order = slots.map((_, i) => (i + offset) % slots.length).sort((a, b) => Number(repeatsSubject(a)) - Number(repeatsSubject(b)));
    for (const slot of order) {
      // A double lesson takes the next slot too, when it follows straight on (same day, not across lunch).
      const covered = Array.from({ length: unit.span }, (_, k) => slot + k);
      if (!covered.every((c, k) => slots[c]?.weekday === slots[slot].weekday && slots[c].start === slots[slot].start + 60 * k)) continue;
      const taken = tryUnit(unit, covered, booked, existing);
      if (!taken) continue;
      taken.keys.forEach((k) => booked.add(k));
      placed.push(...taken.placed);
      for (const d of unit.divisions) for (const subject of subjects) subjectDays.add(`${d}/${subject}/${slots[slot].weekday}`);
      break;
    }
  }
  return { placed, booked };
}

/** The bookings and rooms of a unit in a slot, or undefined when something it needs is taken. */
function tryUnit(unit: Unit, slots: number[], booked: Set<string>, existing: Set<string>): { keys: string[]; placed: Placed[] } | undefined {
  const keys = new Set<string>();
  const free = (k: string): boolean => !booked.has(k) && !keys.has(k);
  const bookings = (resource: string, weeks: ('A' | 'B')[]): string[] => slots.flatMap((slot) => weeks.map((w) => `${resource}/${slot}/${w}`));
  const allWeeks = [...new Set(unit.courses.flatMap((c) => weeksOf(c.weeks)))];
  for (const d of unit.divisions) bookings(`division/${d}`, allWeeks).forEach((k) => keys.add(k));
  if ([...keys].some((k) => booked.has(k))) return undefined;
  const placed: Placed[] = [];
  for (const course of unit.courses) {
    const weeks = weeksOf(course.weeks);
    const teacherKeys = bookings(`teacher/${course.teacher}`, weeks);
    if (!teacherKeys.every(free)) return undefined;
    teacherKeys.forEach((k) => keys.add(k));
    const room = course.rooms.find((r) => existing.has(r) && bookings(`room/${r}`, weeks).every(free));
    if (room === undefined) return undefined;
    bookings(`room/${room}`, weeks).forEach((k) => keys.add(k));
    placed.push({ course, slots, room });
  }
  return { keys: [...keys], placed };
}

/** The Monday of the n-th week after the rentrée's (2026-08-31 is the rentrée's week). */
function dateIn(weekAfterRentree: number, weekday: number): string {
  const monday = Date.UTC(2026, 7, 31) + weekAfterRentree * 7 * 86_400_000;
  return new Date(monday + (weekday - 1) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A teacher away for a day in the second or third week after the rentrée (their sessions that day cancelled)
 * and a session moved to a free room in the fourth week. Only weekly courses, so the date is a session.
 */
function timetableChanges(placement: Placement, s: TimetableStructure, slots: Slot[], seed: number): DemoRecord[] {
  const weekly = placement.placed.filter((p) => p.course.weeks === 'all');
  if (weekly.length === 0) return [];
  const pick = (salt: string): Placed => weekly[hash32(`${seed}/${s.base('timetable').id}/${salt}`) % weekly.length];
  const changes: DemoRecord[] = [];
  const absent = pick('absence');
  const absenceWeek = 2 + (hash32(`${seed}/${absent.course.key}`) % 2);
  const day = slots[absent.slots[0]].weekday;
  const date = dateIn(absenceWeek, day);
  for (const p of weekly.filter((q) => q.course.teacher === absent.course.teacher && slots[q.slots[0]].weekday === day)) {
    changes.push({
      ...s.base(`timetableChange/${p.course.key}/${date}`),
      kind: 'cancelled', courseId: s.base(p.course.key).id, date, reason: 'teacher-absence',
    });
  }
  const moved = pick('room');
  const room = [...s.classrooms, ...s.specialRooms.filter((r) => !SUBJECT_ROOMS.EPS.includes(r))]
    .find((r) => r !== moved.room && moved.slots.every((slot) => !placement.booked.has(`room/${r}/${slot}/A`) && !placement.booked.has(`room/${r}/${slot}/B`)));
  const movedDate = dateIn(4, slots[moved.slots[0]].weekday);
  if (room) {
    changes.push({
      ...s.base(`timetableChange/${moved.course.key}/${movedDate}`),
      kind: 'room-changed', courseId: s.base(moved.course.key).id, date: movedDate, roomIds: [s.base(`room/${room}`).id],
    });
  }
  return changes;
}
