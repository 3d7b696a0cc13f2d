// The sums of the establishments' facts over a territory, grouped by the requested dimensions with every margin
// (GROUP BY CUBE: each dimension's totals and the grand total), for the aggregates feed to publish or suppress.
// Measures over dates may also be grouped by period (day, week, month): each period is a table of its own, its
// margins within it (the period is grouped by, never cubed).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { establishmentsCoveredBy } from '../reads/visibility.js';
import type { Database } from '../tables.js';

export const DIMENSIONS = ['region', 'academie', 'departement', 'commune', 'establishmentType', 'sector', 'level', 'reason', 'connector'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

/** What a disrupted lesson's reason is grouped as when no reason is given; undisrupted lessons have none. */
export const UNSPECIFIED_REASON = 'unspecified';
export const NOT_DISRUPTED = 'none';

const COLUMN: Record<Dimension, RawBuilder<unknown>> = {
  region: sql`e.region_code`,
  academie: sql`e.academie_code`,
  departement: sql`e.departement_code`,
  commune: sql`e.commune_code`,
  establishmentType: sql`e.type`,
  sector: sql`e.sector`,
  level: sql`l.level`,
  reason: sql`case when o.status in ('cancelled', 'substituted') then coalesce(o.reason, ${sql.lit(UNSPECIFIED_REASON)}) else ${sql.lit(NOT_DISRUPTED)} end`,
  connector: sql`p.connector`,
};

/** The sums a cell may carry; each query fills those of its measures (the others are 0). */
export const SUMS = [
  'establishments', 'pupils', 'teachers', 'divisions', 'divisionsWithPupils', 'pupilsInDivisions', 'pupilsLoggedIn',
  // SSO logins over the dates asked.
  'logins',
  // Lesson occurrences over the dates asked; those of the cell's place whatever their reason (the denominator of
  // a share by reason); and those cancelled or taught by a substitute.
  'occurrences', 'placeOccurrences', 'disrupted', 'cancelled', 'substituted',
  // Room time over the school days asked: open, and held by lessons.
  'availableSeconds', 'occupiedSeconds',
  // Establishments whose last successful import is old or missing (by any connector; by the cell's connector),
  // and the failed imports since the last success.
  'staleEstablishments', 'staleForConnector', 'failedJobs',
] as const;
export type Sum = (typeof SUMS)[number];

/** One cell: its dimension values (null: the total over that dimension), its period's first day, and its sums. */
export type FactCell = Readonly<Record<Sum, number>> & {
  readonly dimensions: Readonly<Partial<Record<Dimension, string | null>>>;
  readonly period?: string;
};

/** The dates of a measure over time, and the periods to split them in. */
export interface Dates {
  readonly from: string;
  readonly to: string;
  readonly period?: Period;
}

/**
 * Whether the territory is one the caller may ask about: it holds establishments, and every one of them is
 * inside the perimeter. Anything else is answered as missing.
 */
export async function territoryWithin(db: Kysely<Database>, territory: PerimeterEntry, perimeter: readonly PerimeterEntry[]): Promise<boolean> {
  // A national perimeter covers every establishment: whether the territory has one is all there is to know.
  if (perimeter.some((entry) => entry.kind === 'national')) {
    const { rows: [found] } = await sql<{ found: boolean }>`select exists (${territoryUais(db, territory)}) as found`.execute(db);
    return found.found;
  }
  const { rows: [counts] } = await sql<{ total: string; covered: string }>`
    select count(*) as total, count(*) filter (where t.uai in (${establishmentsCoveredBy(db, perimeter).select('establishment.uai')})) as covered
    from (${establishmentsCoveredBy(db, [territory]).select('establishment.uai')}) t`.execute(db);
  return Number(counts.total) > 0 && counts.total === counts.covered;
}

/** The territory's establishments, as a subquery of UAIs. */
export const territoryUais = (db: Kysely<Database>, territory: PerimeterEntry) => establishmentsCoveredBy(db, [territory]).select('establishment.uai');

/** The period a date column falls in (its first day), as a literal expression the GROUP BY can match. */
export const periodOf = (period: Period, date: RawBuilder<unknown>): RawBuilder<unknown> => sql`date_trunc(${sql.lit(period)}, ${date})::date`;

/**
 * The grouping of a cells query by `by` (and by period when given): each dimension's value and whether the row
 * totals over it; `partition` is a window's partition that holds a cell's place and period, not the dimensions
 * of `along` (a share by reason divides by its place's lessons).
 */
export function grouping(by: readonly Dimension[], period?: RawBuilder<unknown>) {
  const columns = by.map((d) => sql`${COLUMN[d]}::text`);
  const cube = by.length ? sql`cube(${sql.join(columns, sql`, `)})` : sql`()`;
  return {
    selected: [
      ...(period ? [sql`${period}::text as period`] : []),
      ...by.map((d) => sql`coalesce(${COLUMN[d]}::text, 'unknown') as ${sql.ref(`value_${d}`)}`),
      ...by.map((d) => sql`grouping(${COLUMN[d]}::text) as ${sql.ref(`total_${d}`)}`),
    ],
    groupBy: period ? (by.length ? sql`${period}, ${cube}` : period) : cube,
    orderBy: sql.join([...(period ? [sql`period`] : []), ...by.map((d) => sql`${sql.ref(`value_${d}`)}`), sql`1`], sql`, `),
    partition: (along: readonly Dimension[]) => {
      const kept = by.filter((d) => !along.includes(d)).flatMap((d) => [sql`${COLUMN[d]}::text`, sql`grouping(${COLUMN[d]}::text)`]);
      return sql.join([...(period ? [period] : []), ...kept, sql`1`], sql`, `);
    },
    column: (d: Dimension) => sql`${COLUMN[d]}::text`,
  };
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function toCell(by: readonly Dimension[], row: Record<string, string | number | null>): FactCell {
  return {
    dimensions: Object.fromEntries(by.map((d) => [d, Number(row[`total_${d}`]) === 1 ? null : String(row[`value_${d}`])])),
    ...(row.period != null ? { period: String(row.period) } : {}),
    ...(Object.fromEntries(SUMS.map((sum) => [sum, Number(row[snake(sum)] ?? 0)])) as Record<Sum, number>),
  };
}

/** The cells of the territory by `by` (level only splits pupils), every margin included. */
export async function factCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[]): Promise<FactCell[]> {
  const byLevel = by.includes('level');
  const { selected, groupBy, orderBy } = grouping(by);
  const pupils = byLevel ? sql`sum(l.n::int)` : sql`sum(f.pupils)`;
  // One fact row per establishment, so count(*) counts them (count(distinct) was most of a query's time). Split
  // by level, rows are per level: no measure split by level counts establishments.
  const establishments = byLevel ? sql`0 as establishments` : sql`count(*) as establishments`;
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, establishments], sql`, `)},
      coalesce(${pupils}, 0) as pupils, coalesce(sum(f.teachers), 0) as teachers, coalesce(sum(f.divisions), 0) as divisions,
      coalesce(sum(f.divisions_with_pupils), 0) as divisions_with_pupils, coalesce(sum(f.pupils_in_divisions), 0) as pupils_in_divisions,
      coalesce(sum(f.pupils_logged_in), 0) as pupils_logged_in
    from establishment_fact f join establishment e on e.uai = f.uai
    ${byLevel ? sql`cross join lateral jsonb_each_text(f.pupils_by_level) as l(level, n)` : sql``}
    where f.uai in (${territoryUais(db, territory)})
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}

/** The SSO logins of the territory's establishments from `from` to `to` (days, inclusive), by `by`, every margin. */
export async function loginCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by, dates.period && periodOf(dates.period, sql`d.day`));
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`coalesce(sum(d.logins), 0) as logins`], sql`, `)}
    from sso_login_day d join establishment e on e.uai = d.uai
    where d.uai in (${territoryUais(db, territory)}) and d.day between ${dates.from}::date and ${dates.to}::date
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}

/** When the facts were last brought up to date. */
export async function factsRefreshedAt(db: Kysely<Database>): Promise<Date> {
  const { refreshed_at } = await db.selectFrom('aggregate_refresh').select('refreshed_at').where('id', '=', 1).executeTakeFirstOrThrow();
  return refreshed_at;
}
