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
  /** SSO logins over the dates asked (loginCells only). */
  readonly logins: number;
  /** Lesson occurrences over the dates asked, and those cancelled or taught by a substitute (occurrenceCells only). */
  readonly occurrences: number;
  readonly disrupted: number;
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

/** The grouping of a cells query by `by`: each dimension's value and whether the row totals over it. */
function grouping(by: readonly Dimension[]) {
  const columns = by.map((d) => sql`${COLUMN[d]}::text`);
  return {
    selected: [
      ...by.map((d) => sql`coalesce(${COLUMN[d]}::text, 'unknown') as ${sql.ref(`value_${d}`)}`),
      ...by.map((d) => sql`grouping(${COLUMN[d]}) as ${sql.ref(`total_${d}`)}`),
    ],
    groupBy: by.length ? sql`cube(${sql.join(columns, sql`, `)})` : sql`()`,
    orderBy: by.length ? sql.join(by.map((d) => sql`${sql.ref(`value_${d}`)}`), sql`, `) : sql`1`,
  };
}

function toCell(by: readonly Dimension[], row: Record<string, string | number | null>): FactCell {
  return {
    dimensions: Object.fromEntries(by.map((d) => [d, Number(row[`total_${d}`]) === 1 ? null : String(row[`value_${d}`])])),
    establishments: Number(row.establishments),
    pupils: Number(row.pupils ?? 0),
    teachers: Number(row.teachers ?? 0),
    divisions: Number(row.divisions ?? 0),
    divisionsWithPupils: Number(row.divisions_with_pupils ?? 0),
    pupilsInDivisions: Number(row.pupils_in_divisions ?? 0),
    logins: Number(row.logins ?? 0),
    occurrences: Number(row.occurrences ?? 0),
    disrupted: Number(row.disrupted ?? 0),
  };
}

/** The cells of the territory by `by` (level only splits pupils), every margin included. */
export async function factCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[]): Promise<FactCell[]> {
  const byLevel = by.includes('level');
  const { selected, groupBy, orderBy } = grouping(by);
  const pupils = byLevel ? sql`sum(l.n::int)` : sql`sum(f.pupils)`;
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`count(distinct f.uai) as establishments`], sql`, `)},
      coalesce(${pupils}, 0) as pupils, coalesce(sum(f.teachers), 0) as teachers, coalesce(sum(f.divisions), 0) as divisions,
      coalesce(sum(f.divisions_with_pupils), 0) as divisions_with_pupils, coalesce(sum(f.pupils_in_divisions), 0) as pupils_in_divisions
    from establishment_fact f join establishment e on e.uai = f.uai
    ${byLevel ? sql`cross join lateral jsonb_each_text(f.pupils_by_level) as l(level, n)` : sql``}
    where f.uai in (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')})
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}

/** The SSO logins of the territory's establishments from `from` to `to` (days, inclusive), by `by`, every margin. */
export async function loginCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], from: string, to: string): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by);
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`count(distinct d.uai) as establishments`], sql`, `)}, coalesce(sum(d.logins), 0) as logins
    from sso_login_day d join establishment e on e.uai = d.uai
    where d.uai in (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')}) and d.day between ${from}::date and ${to}::date
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}

/** The lesson occurrences of the territory's establishments from `from` to `to`, and how many were disrupted, by `by`. */
export async function occurrenceCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], from: string, to: string): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by);
  // starts_at bounds (a day wider than the dates, for every time zone) let PostgreSQL skip other years' partitions.
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`count(distinct o.uai) as establishments`], sql`, `)},
      count(*) as occurrences, count(*) filter (where o.status in ('cancelled', 'substituted')) as disrupted
    from occurrence o join establishment e on e.uai = o.uai
    where o.uai in (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')}) and o.state = 'active'
      and o.date between ${from}::date and ${to}::date
      and o.starts_at >= ${from}::date - interval '1 day' and o.starts_at < ${to}::date + interval '2 days'
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}

/** When the facts were last brought up to date. */
export async function factsRefreshedAt(db: Kysely<Database>): Promise<Date> {
  const { refreshed_at } = await db.selectFrom('aggregate_refresh').select('refreshed_at').where('id', '=', 1).executeTakeFirstOrThrow();
  return refreshed_at;
}
