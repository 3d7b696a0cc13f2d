// What materialising an establishment's timetable reads, as stored: where it is, its own school years, its
// holiday zone's published calendar and the closures of the territories it is in (for many establishments at
// once: occupancy over a région needs every lycée's closed days), then its courses and their changes.
import { sql, type Kysely, type Selectable } from 'kysely';
import { holidayZoneOf } from '../../../connectors/annuaire/territories.js';
import type { CalendarInputs, EstablishmentPlace, OwnSchoolYear, TimetableInputs, ZoneSchoolYear } from '../../timetable/inputs.js';
import type { Course, DatePeriod, OccurrenceChange } from '../../timetable/model.js';
import type { Database, EstablishmentTable } from '../tables.js';

/** The territories whose closures apply to an establishment: the nation, its commune, département, académie, région. */
function territoriesOf(place: EstablishmentPlace): string[] {
  return [
    'national',
    ...(place.communeCode ? [`commune:${place.communeCode}`] : []),
    ...(place.departementCode ? [`departement:${place.departementCode}`] : []),
    `academie:${place.academieCode}`,
    `region:${place.regionCode}`,
  ];
}

/** What calendar inputs need of an establishment row. */
export type PlacedEstablishment = Pick<Selectable<EstablishmentTable>, 'uai' | 'data' | 'commune_code' | 'departement_code' | 'academie_code' | 'region_code'>;

export const PLACE_COLUMNS = ['uai', 'data', 'commune_code', 'departement_code', 'academie_code', 'region_code'] as const;

/** Where an establishment is, as its row tells: its zone is its own, else its académie's. */
export function placeOf(row: PlacedEstablishment): EstablishmentPlace {
  const data = row.data as { timeZone?: string; holidayZone?: string };
  return {
    uai: row.uai, timeZone: data.timeZone, holidayZone: data.holidayZone ?? holidayZoneOf(row.academie_code),
    communeCode: row.commune_code, departementCode: row.departement_code, academieCode: row.academie_code, regionCode: row.region_code,
  };
}

/** The calendar inputs of each active establishment of `uais` (the others are left out). */
export async function calendarInputs(db: Kysely<Database>, uais: readonly string[]): Promise<Map<string, CalendarInputs>> {
  if (uais.length === 0) return new Map();
  const establishments = await db.selectFrom('establishment').select(PLACE_COLUMNS)
    .where('uai', 'in', [...uais]).where('status', '=', 'active').execute();
  return calendarInputsOf(db, establishments);
}

/** The calendar inputs of establishments already read (by the gate, or a perimeter's listing): two statements. */
export async function calendarInputsOf(db: Kysely<Database>, establishments: readonly PlacedEstablishment[]): Promise<Map<string, CalendarInputs>> {
  const found = new Map<string, CalendarInputs>();
  if (establishments.length === 0) return found;
  for (const row of establishments) found.set(row.uai, { place: placeOf(row), ownYears: [], zoneYears: [], closures: [] });
  const places = [...found.values()].map((inputs) => inputs.place);
  const zones = [...new Set(places.flatMap((place) => (place.holidayZone ? [`zone:${place.holidayZone}`] : [])))];
  const territories = [...new Set(places.flatMap(territoriesOf))];
  // A zone's school years and the closures of the territories, in one read of the territories' records.
  const [years, shared] = await Promise.all([
    db.selectFrom('roster_record').select(['uai', 'data'])
      .where('uai', 'in', [...found.keys()]).where('entity', '=', 'academicYear').where('status', '=', 'active').execute(),
    db.selectFrom('shared_record').select(['entity', 'territory', 'data']).where('status', '=', 'active')
      .where((eb) => eb.or([
        eb.and([eb('entity', '=', 'schoolHolidays'), eb('territory', 'in', zones.length ? zones : ['-'])]),
        eb.and([eb('entity', '=', 'closure'), eb('territory', 'in', territories)]),
      ])).execute(),
  ]);
  for (const row of years) found.get(row.uai)?.ownYears.push(row.data as OwnSchoolYear);
  for (const inputs of found.values()) {
    const zone = `zone:${inputs.place.holidayZone}`;
    const covering = new Set(territoriesOf(inputs.place));
    for (const row of shared) {
      if (row.entity === 'schoolHolidays' && row.territory === zone) inputs.zoneYears.push(row.data as ZoneSchoolYear);
      if (row.entity === 'closure' && covering.has(row.territory)) {
        const { name, startDate, endDate } = row.data as DatePeriod;
        inputs.closures.push({ name, startDate, endDate });
      }
    }
  }
  return found;
}

/** The inputs of `uai`, for some courses or all; undefined when the establishment is not active. */
export async function timetableInputs(db: Kysely<Database>, uai: string, courseIds: readonly string[] | 'all'): Promise<TimetableInputs | undefined> {
  const calendar = (await calendarInputs(db, [uai])).get(uai);
  if (!calendar) return undefined;
  const records = (entity: string) => db.selectFrom('roster_record').select(['id', 'data'])
    .where('uai', '=', uai).where('entity', '=', entity).where('status', '=', 'active');
  const some = courseIds === 'all' ? undefined : [...courseIds];
  let courses = records('course');
  if (some) courses = courses.where(sql<boolean>`id = any(${some}::uuid[])`);
  let changes = records('timetableChange');
  if (some) changes = changes.where(sql<boolean>`(not data ? 'courseId' or data->>'courseId' = any(${some}::text[]))`);
  let stored = db.selectFrom('occurrence').select([sql<string | null>`min(date)::text`.as('from'), sql<string | null>`max(date)::text`.as('to')])
    .where('uai', '=', uai).where('state', '=', 'active');
  if (some) stored = stored.where(sql<boolean>`(course_id is null or course_id = any(${some}::uuid[]))`);
  const [courseRows, changeRows, storedRange] = await Promise.all([courses.execute(), changes.execute(), stored.executeTakeFirstOrThrow()]);
  return {
    ...calendar,
    courses: courseRows.map((row) => ({ teacherIds: [], groupIds: [], roomIds: [], ...(row.data as object), id: row.id }) as unknown as Course),
    // A course change's `kind` is the session's status (`status` is the record's own, active or deleted).
    changes: changeRows.map((row) => {
      const { kind, ...fields } = row.data as { kind: string };
      return { ...fields, status: kind, id: row.id } as unknown as OccurrenceChange;
    }),
    ...(storedRange.from && storedRange.to ? { stored: { from: storedRange.from, to: storedRange.to } } : {}),
  };
}
