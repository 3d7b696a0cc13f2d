// iCalendar timetable exports (RFC 5545; per class, teacher, pupil or room) from Pronote, Hyperplanning and
// others → rooms and subjects they name, recurring courses and dated changes, in the establishment's time zone.
// An iCalendar file does not name its establishment: no `establishment` item is ever given; the gateway knows
// which establishment it imports for. read.ts reads the file, zone.ts the times, sessions.ts the events,
// describe.ts what an event says of its lesson, courses.ts how sessions make courses.
import type { ConnectorProblem } from '../kit/problem.js';
import type { TimetableItem, TimetableParser } from '../kit/timetable.js';
import { coursesOf } from './courses.js';
import { readIcal } from './read.js';
import { sessionsOf } from './sessions.js';
import { Clock } from './zone.js';

export const SOURCE = 'ical';

export const parseIcal: TimetableParser = async function* parseIcal(files) {
  for (const file of files) yield* parseFile(file.open(), file.name);
};

async function* parseFile(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<TimetableItem> {
  const problem = (p: ConnectorProblem): TimetableItem => ({ kind: 'problem', problem: p });
  const { calendars, events, firstTzid } = await readIcal(source, file);
  const clock = new Clock(Clock.zoneOf(calendars, firstTzid), calendars);
  const { sessions, problems } = sessionsOf(calendars, events, clock, file);
  for (const p of problems) yield problem(p);

  const rooms = new Set<string>();
  const subjects = new Set<string>();
  for (const { lesson, line } of sessions) {
    const position = { file, line };
    for (const code of lesson.rooms.filter((r) => !rooms.has(r))) {
      rooms.add(code);
      yield { kind: 'room', room: { sourceId: code, code, position } };
    }
    if (lesson.subject && !subjects.has(lesson.subject)) {
      subjects.add(lesson.subject);
      // The file names subjects by their label only: it is their code for this source.
      yield { kind: 'subject', subject: { sourceId: lesson.subject, code: lesson.subject, name: lesson.subject, position } };
    }
  }
  const { courses, changes } = coursesOf(sessions, file);
  for (const course of courses) yield { kind: 'course', course };
  for (const change of changes) yield { kind: 'change', change };
}
