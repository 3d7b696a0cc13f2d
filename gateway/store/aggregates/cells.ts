// The sums of the establishments' facts over a territory, grouped by the requested dimensions with every margin
// (GROUP BY CUBE: each dimension's totals and the grand total), for the aggregates feed to publish or suppress.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { establishmentsCoveredBy } from '../reads/visibility.js';
import type { Database } from '../tables.js';

export const DIMENSIONS = ['region', 'academie', 'departement', 'commune', 'establishmentType', 'sector', 'level'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const COLUMN: Record<Dimension, RawBuilder<unknown>> = {
  region: sql`e.region_code`,
  academie: sql`e.academie_code`,
  departement: sql`e.departement_code`,
  commune: sql`e.commune_code`,
  establishmentType: sql`e.type`,
  sector: sql`e.sector`,
  level: sql`l.level`,
};

/** One cell: its dimension values (null: the total over that dimension) and the sums behind it. */
export interface FactCell {
  readonly dimensions: Readonly<Partial<Record<Dimension, string | null>>>;
  readonly establishments: number;
  readonly pupils: number;
  readonly teachers: number;
  readonly divisions: number;
  readonly divisionsWithPupils: number;
  readonly pupilsInDivisions: number;
}

/**
 * Whether the territory is one the caller may ask about: it holds establishments, and every one of them is
 * inside the perimeter. Anything else is answered as missing.
 */
export async function territoryWithin(db: Kysely<Database>, territory: PerimeterEntry, perimeter: readonly PerimeterEntry[]): Promise<boolean> {
  const { rows: [counts] } = await sql<{ total: string; covered: string }>`
    select count(*) as total, count(*) filter (where t.uai in (${establishmentsCoveredBy(db, perimeter).select('establishment.uai')})) as covered
    from (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')}) t`.execute(db);
  return Number(counts.total) > 0 && counts.total === counts.covered;
}

/** The cells of the territory by `by` (level only splits pupils), every margin included. */
export async function factCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[]): Promise<FactCell[]> {
  const byLevel = by.includes('level');
  const columns = by.map((d) => sql`${COLUMN[d]}::text`);
  const totals = by.map((d) => sql`grouping(${COLUMN[d]}) as ${sql.ref(`total_${d}`)}`);
  const values = by.map((d) => sql`coalesce(${COLUMN[d]}::text, 'unknown') as ${sql.ref(`value_${d}`)}`);
  const pupils = byLevel ? sql`sum(l.n::int)` : sql`sum(f.pupils)`;
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...values, ...totals, sql`count(distinct f.uai) as establishments`], sql`, `)},
      coalesce(${pupils}, 0) as pupils, coalesce(sum(f.teachers), 0) as teachers, coalesce(sum(f.divisions), 0) as divisions,
      coalesce(sum(f.divisions_with_pupils), 0) as divisions_with_pupils, coalesce(sum(f.pupils_in_divisions), 0) as pupils_in_divisions
    from establishment_fact f join establishment e on e.uai = f.uai
    ${byLevel ? sql`cross join lateral jsonb_each_text(f.pupils_by_level) as l(level, n)` : sql``}
    where f.uai in (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')})
    group by ${by.length ? sql`cube(${sql.join(columns, sql`, `)})` : sql`()`}
    order by ${by.length ? sql.join(by.map((d) => sql`${sql.ref(`value_${d}`)}`), sql`, `) : sql`1`}`.execute(db);
  return rows.map((row) => ({
    dimensions: Object.fromEntries(by.map((d) => [d, Number(row[`total_${d}`]) === 1 ? null : String(row[`value_${d}`])])),
    establishments: Number(row.establishments),
    pupils: Number(row.pupils),
    teachers: Number(row.teachers),
    divisions: Number(row.divisions),
    divisionsWithPupils: Number(row.divisions_with_pupils),
    pupilsInDivisions: Number(row.pupils_in_divisions),
  }));
}

/** When the facts were last brought up to date. */
export async function factsRefreshedAt(db: Kysely<Database>): Promise<Date> {
  const { refreshed_at } = await db.selectFrom('aggregate_refresh').select('refreshed_at').where('id', '=', 1).executeTakeFirstOrThrow();
  return refreshed_at;
}
