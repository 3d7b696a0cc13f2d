// Occurrences follow what they are made of: a write of courses, course changes or an establishment's school year
// materialises again, in the same transaction, the occurrences it can change (a course's own; every course for a
// calendar change), and only those that differ are written and announced.
import type { Kysely, Transaction } from 'kysely';
import { materialiseTimetable } from '../../timetable/establishment-timetable.js';
import { lockOwner } from '../owner-lock.js';
import type { Database } from '../tables.js';
import { writeOccurrences, type DerivedCounts } from '../write/derived.js';
import type { Planned } from '../write/operations.js';
import { timetableInputs } from './inputs.js';

/** What a batch's changes make stale: some courses, or every course of the establishment. */
export type StaleTimetable = { courseIds: Set<string> } | 'all';

/** The part of the establishment's timetable a batch's writes change, or undefined when they change none. */
export function staleTimetable(changed: readonly Planned[]): StaleTimetable | undefined {
  if (changed.some((p) => p.operation.entity === 'academicYear')) return 'all';
  const courseIds = new Set<string>();
  let timetableChanged = false;
  for (const planned of changed) {
    const { entity } = planned.operation;
    if (entity === 'course') courseIds.add(planned.id);
    if (entity !== 'timetableChange') continue;
    // An extra session has no course: extras are materialised again with any scope.
    timetableChanged = true;
    for (const data of [planned.data, planned.existing?.data as Record<string, unknown> | undefined]) {
      if (typeof data?.courseId === 'string') courseIds.add(data.courseId);
    }
  }
  return courseIds.size || timetableChanged ? { courseIds } : undefined;
}

/** Materialises `stale` of the establishment again and writes what differs; no-op when it is not active. */
export async function rematerialise(trx: Transaction<Database>, uai: string, stale: StaleTimetable, today = new Date()): Promise<DerivedCounts> {
  const courseIds = stale === 'all' ? 'all' : [...stale.courseIds];
  const inputs = await timetableInputs(trx, uai, courseIds);
  const counts: DerivedCounts = { created: 0, updated: 0, deleted: 0 };
  if (!inputs) return counts;
  for (const year of materialiseTimetable(inputs, today)) {
    const written = await writeOccurrences(trx, { uai, courseIds, from: year.from, to: year.to }, year.occurrences);
    counts.created += written.created;
    counts.updated += written.updated;
    counts.deleted += written.deleted;
  }
  return counts;
}

const TERRITORY_COLUMN = { commune: 'commune_code', departement: 'departement_code', academie: 'academie_code', region: 'region_code' } as const;

/** The active establishments that have courses, within a territory (`commune:69123`, `national`) if given. */
export async function establishmentsWithCourses(db: Kysely<Database>, territory?: string): Promise<string[]> {
  let query = db.selectFrom('establishment as e').select('e.uai').where('e.status', '=', 'active')
    .where(({ exists, selectFrom }) => exists(selectFrom('roster_record as r').select('r.id')
      .whereRef('r.uai', '=', 'e.uai').where('r.entity', '=', 'course').where('r.status', '=', 'active')));
  if (territory && territory !== 'national') {
    const [kind, code] = territory.split(':') as [keyof typeof TERRITORY_COLUMN, string];
    const column = TERRITORY_COLUMN[kind];
    if (!column) return [];
    query = query.where(`e.${column}`, '=', code);
  }
  return (await query.orderBy('e.uai').execute()).map((row) => row.uai);
}

/** Materialises every course of each establishment again, one transaction each (a calendar or a closure changed). */
export async function rematerialiseEstablishments(db: Kysely<Database>, uais: readonly string[]): Promise<DerivedCounts> {
  const counts: DerivedCounts = { created: 0, updated: 0, deleted: 0 };
  for (const uai of uais) {
    const written = await db.transaction().execute(async (trx) => {
      await lockOwner(trx, { uai });
      return rematerialise(trx, uai, 'all');
    });
    counts.created += written.created;
    counts.updated += written.updated;
    counts.deleted += written.deleted;
  }
  return counts;
}
