// bench/occupancy's région: lycées of région 84 (Auvergne-Rhône-Alpes, holiday zone A), each with its rooms and a
// school year of weekly courses, written as the gateway's clients write them (putEstablishment, then applyBatch,
// whose transaction materialises the courses' occurrences). Pure builders and the timed writes.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { uaiWithKey } from '../../gateway/model/identifiers.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import type { Database } from '../../gateway/store/tables.js';

export const ROOMS = 60;
export const COURSES = 1200;
/** Mon–Fri, one-hour slots from 08:00 to 17:00 (the last ends at 17:55, within 08:00–18:00). */
const HOURS = 10;
const SLOTS = 5 * HOURS;
/** The 2026-2027 school year of zone A: the courses' validity. */
export const VALIDITY = { validFrom: '2026-09-01', validTo: '2027-07-03' } as const;

export interface Course extends Record<string, unknown> {
  id: string;
  roomIds: string[];
  teacherIds: string[];
  groupIds: string[];
  weekday: number;
  startTime: string;
  durationMinutes: number;
  weeks: 'all';
  validFrom: string;
  validTo: string;
}

export interface Lycee {
  uai: string;
  rooms: { id: string; code: string; building: string; capacity: number }[];
  courses: Course[];
}

/** The `index`-th lycée's UAI: département 069 (Rhône), then the index, then its check letter. */
export function lyceeUai(index: number): string {
  return uaiWithKey(`069${String(index).padStart(4, '0')}`);
}

/**
 * A lycée: 60 rooms in 3 buildings, and 1,200 courses spread over the 50 weekly slots, 24 per slot, each slot's
 * courses in 24 different rooms (the k-th course of a slot in room (slot + k) mod 60): every room busy 20 hours
 * a week, no room booked twice at once.
 */
export function lycee(index: number): Lycee {
  const rooms = Array.from({ length: ROOMS }, (_, r) => ({
    id: randomUUID(), code: `S${String(r + 1).padStart(3, '0')}`, building: ['A', 'B', 'C'][r % 3], capacity: 30,
  }));
  const courses = Array.from({ length: COURSES }, (_, c): Course => {
    const slot = c % SLOTS;
    const k = Math.floor(c / SLOTS);
    return {
      id: randomUUID(), roomIds: [rooms[(slot + k) % ROOMS].id], teacherIds: [], groupIds: [],
      weekday: 1 + (slot % 5), startTime: `${String(8 + Math.floor(slot / 5)).padStart(2, '0')}:00`, durationMinutes: 55,
      weeks: 'all', ...VALIDITY,
    };
  });
  return { uai: lyceeUai(index), rooms, courses };
}

const upsert = (entity: string, record: Record<string, unknown>) => ({ entity, op: 'upsert' as const, record });

export async function putLycee(db: Kysely<Database>, index: number, uai: string): Promise<void> {
  await putEstablishment(db, {
    uai, name: `LYCEE BENCH ${index}`, type: 'lycee', sector: 'public',
    communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10', holidayZone: 'A',
  });
}

/**
 * Writes one lycée: the establishment and its rooms (not timed), then its courses in one batch, timed: the
 * batch's transaction materialises their school year. Returns that batch's milliseconds.
 */
export async function seedLycee(db: Kysely<Database>, index: number, built = lycee(index)): Promise<number> {
  await putLycee(db, index, built.uai);
  await applyBatch(db, built.uai, built.rooms.map((room) => upsert('room', room)) as never);
  const start = performance.now();
  await applyBatch(db, built.uai, built.courses.map((course) => upsert('course', course)) as never);
  return performance.now() - start;
}

/** One course moved by an hour (the batch a timetable tool sends after one change), and back on the next call. */
export function movedCourse(course: Course, repetition: number): Course {
  const hour = Number(course.startTime.slice(0, 2)) + (repetition % 2 === 0 ? 1 : 0);
  return { ...course, startTime: `${String(hour).padStart(2, '0')}:00` };
}

export async function changeOneCourse(db: Kysely<Database>, uai: string, course: Course): Promise<number> {
  const start = performance.now();
  await applyBatch(db, uai, [upsert('course', course)] as never);
  return performance.now() - start;
}
