// What materialising an establishment's timetable reads: its courses and their changes, its own school years,
// its holiday zone's published calendar and the closures of the territories it is in, as stored.
import { sql, type Transaction } from 'kysely';
import type { EstablishmentPlace, OwnSchoolYear, TimetableInputs, ZoneSchoolYear } from '../../timetable/inputs.js';
import type { Course, DatePeriod, OccurrenceChange } from '../../timetable/model.js';
import { holidayZoneOf } from '../../../connectors/annuaire/territories.js';
import type { Database } from '../tables.js';

/** The inputs of `uai`, for some courses or all; undefined when the establishment is not active. */
export async function timetableInputs(trx: Transaction<Database>, uai: string, courseIds: readonly string[] | 'all'): Promise<TimetableInputs | undefined> {
  const establishment = await trx.selectFrom('establishment')
    .select(['uai', 'data', 'commune_code', 'departement_code', 'academie_code', 'region_code'])
    .where('uai', '=', uai).where('status', '=', 'active').executeTakeFirst();
  if (!establishment) return undefined;
  const data = establishment.data as { timeZone?: string; holidayZone?: string };
  const place: EstablishmentPlace = {
    uai, timeZone: data.timeZone, holidayZone: data.holidayZone ?? holidayZoneOf(establishment.academie_code), communeCode: establishment.commune_code,
    departementCode: establishment.departement_code, academieCode: establishment.academie_code, regionCode: establishment.region_code,
  };
  const records = (entity: string) => trx.selectFrom('roster_record').select(['id', 'data'])
    .where('uai', '=', uai).where('entity', '=', entity).where('status', '=', 'active');
  let courses = records('course');
  if (courseIds !== 'all') courses = courses.where('id', 'in', courseIds.length ? [...courseIds] : ['00000000-0000-0000-0000-000000000000']);
  let changes = records('courseChange');
  if (courseIds !== 'all') {
    changes = changes.where(sql<boolean>`(not data ? 'courseId' or data->>'courseId' = any(${[...courseIds]}::text[]))`);
  }
  const territories = [
    'national',
    ...(place.communeCode ? [`commune:${place.communeCode}`] : []),
    ...(place.departementCode ? [`departement:${place.departementCode}`] : []),
    `academie:${place.academieCode}`,
    `region:${place.regionCode}`,
  ];
  const shared = (entity: string, owners: string[]) => trx.selectFrom('shared_record').select('data')
    .where('entity', '=', entity).where('status', '=', 'active').where('territory', 'in', owners);
  let stored = trx.selectFrom('occurrence').select([sql<string | null>`min(date)::text`.as('from'), sql<string | null>`max(date)::text`.as('to')])
    .where('uai', '=', uai).where('state', '=', 'active');
  if (courseIds !== 'all') stored = stored.where(sql<boolean>`(course_id is null or course_id = any(${[...courseIds]}::uuid[]))`);
  const [courseRows, changeRows, yearRows, zoneRows, closureRows, storedRange] = await Promise.all([
    courses.execute(),
    changes.execute(),
    records('academicYear').execute(),
    place.holidayZone ? shared('schoolHolidays', [`zone:${place.holidayZone}`]).execute() : Promise.resolve([]),
    shared('closure', territories).execute(),
    stored.executeTakeFirstOrThrow(),
  ]);
  return {
    place,
    courses: courseRows.map((row) => ({ teacherIds: [], groupIds: [], roomIds: [], ...(row.data as object), id: row.id }) as unknown as Course),
    changes: changeRows.map((row) => ({ ...(row.data as object), id: row.id }) as unknown as OccurrenceChange),
    ownYears: yearRows.map((row) => row.data as OwnSchoolYear),
    zoneYears: zoneRows.map((row) => row.data as ZoneSchoolYear),
    closures: closureRows.map((row) => {
      const { name, startDate, endDate } = row.data as DatePeriod;
      return { name, startDate, endDate };
    }),
    ...(storedRange.from && storedRange.to ? { stored: { from: storedRange.from, to: storedRange.to } } : {}),
  };
}
