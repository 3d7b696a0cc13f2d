// bench/timetable: how long materialising a school year takes, pure (no database). Run by hand (not in CI):
//   npx tsx bench/timetable/materialise.ts [courses=1200] [establishments=1]
// Builds a lycée-sized timetable (1,200 weekly courses by default: all weeks, A/B pairs, ISO-week courses, 5%
// with a change) on a Paris 2026-2027 calendar and times materialise() over it, after a warm-up run; with
// several establishments, each has its own calendar object (as in a région's run) and the total is reported.
import { schoolCalendar } from '../../gateway/timetable/calendar/assemble.js';
import { materialise } from '../../gateway/timetable/materialise.js';
import type { Course, OccurrenceChange, SchoolCalendar } from '../../gateway/timetable/model.js';

const COURSES = Number(process.argv[2] ?? 1200);
const ESTABLISHMENTS = Number(process.argv[3] ?? 1);

function calendarOf(): SchoolCalendar {
  return schoolCalendar({
    schoolYear: '2026-2027', timeZone: 'Europe/Paris', departementCode: '075',
    zone: {
      startDate: '2026-09-01', endDate: '2027-07-02',
      holidays: [
        { name: 'Vacances de la Toussaint', startDate: '2026-10-18', endDate: '2026-11-01' },
        { name: 'Vacances de Noël', startDate: '2026-12-20', endDate: '2027-01-03' },
        { name: "Vacances d'hiver", startDate: '2027-02-07', endDate: '2027-02-21' },
        { name: 'Vacances de printemps', startDate: '2027-04-04', endDate: '2027-04-18' },
      ],
    },
  });
}

function timetable(establishment: number): { courses: Course[]; changes: OccurrenceChange[] } {
  const courses: Course[] = [];
  for (let index = 0; index < COURSES; index += 1) {
    const kind = index % 10;
    courses.push({
      id: `e${establishment}-c${index}`, subjectId: `s${index % 40}`, teacherIds: [`t${index % 90}`],
      groupIds: [`g${index % 60}`], roomIds: [`r${index % 50}`], weekday: 1 + (index % 5),
      startTime: `${String(8 + (index % 9)).padStart(2, '0')}:${index % 2 ? '30' : '00'}`, durationMinutes: 55,
      weeks: kind === 0 ? 'A' : kind === 1 ? 'B' : kind === 2 ? [37, 38, 39, 40, 41, 42, 2, 3, 4, 5] : 'all',
    });
  }
  const changes: OccurrenceChange[] = courses.filter((_, index) => index % 20 === 3).map((course, index) => ({
    id: `e${establishment}-ch${index}`, courseId: course.id, date: ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'][course.weekday - 1],
    status: index % 2 ? 'cancelled' : 'room-changed', reason: 'teacher-absence', roomIds: ['r-cdi'],
  }));
  return { courses, changes };
}

const inputs = Array.from({ length: ESTABLISHMENTS }, (_, index) => ({ ...timetable(index), calendar: calendarOf() }));
materialise(inputs[0].courses, inputs[0].changes, calendarOf());

const started = performance.now();
let occurrences = 0;
for (const { courses, changes, calendar } of inputs) occurrences += materialise(courses, changes, calendar).occurrences.length;
const elapsed = performance.now() - started;
console.log(`${ESTABLISHMENTS} × ${COURSES} courses → ${occurrences} occurrences in ${elapsed.toFixed(0)} ms ` +
  `(${((elapsed * 1000) / occurrences).toFixed(2)} µs each), heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
