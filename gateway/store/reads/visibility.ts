// Which establishments a perimeter covers, now or as of a past sequence number, as SQL. The predicate is built
// here and nowhere else, so every query that reads establishment data filters the same way (perimeter/visibility.ts
// is the same test on a record in memory).
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { parsePerimeter, type PerimeterEntry } from '../../perimeter/perimeter.js';
import type { JobViewer } from '../../perimeter/visibility.js';
import type { Database } from '../tables.js';

const COLUMN = {
  uai: 'uai', commune: 'commune_code', departement: 'departement_code', region: 'region_code', academie: 'academie_code',
} as const;

type TerritoryRow = 'establishment' | 'establishment_territory';

/** The perimeter as a predicate on an establishment (or establishment_territory) row. */
export function coversEstablishment<T extends TerritoryRow>(
  eb: ExpressionBuilder<Database, T>,
  perimeter: readonly PerimeterEntry[],
): Expression<SqlBool> {
  if (perimeter.some((e) => e.kind === 'national')) return sql<SqlBool>`true`;
  const byColumn = new Map<string, string[]>();
  const e = eb as unknown as ExpressionBuilder<Database, 'establishment'>;
  const narrowed: Expression<SqlBool>[] = [];
  for (const entry of perimeter) {
    if (entry.kind === 'national') continue;
    const column = COLUMN[entry.kind];
    // An entry of some types only (a département's collèges) is a condition of its own.
    if ('types' in entry && entry.types?.length) narrowed.push(e.and([e(column as 'uai', '=', entry.code), e('type', 'in', [...entry.types])]));
    else byColumn.set(column, [...(byColumn.get(column) ?? []), entry.code]);
  }
  const conditions = [...[...byColumn].map(([column, codes]) => e(column as 'uai', 'in', codes)), ...narrowed];
  if (conditions.length === 0) return sql<SqlBool>`false`;
  return e.or(conditions);
}

/** The active establishments a perimeter covers, as a query to refine. */
export function establishmentsCoveredBy(db: Kysely<Database>, perimeter: readonly PerimeterEntry[]) {
  return db
    .selectFrom('establishment')
    .where('establishment.status', '=', 'active')
    .where((eb) => coversEstablishment(eb, perimeter));
}

/** The perimeter a client had as of a sequence number (empty before it existed). */
export async function perimeterAt(db: Kysely<Database>, clientId: string, seq: bigint): Promise<PerimeterEntry[]> {
  const row = await db
    .selectFrom('client_perimeter_version')
    .select('perimeter')
    .where('client_id', '=', clientId)
    .where('seq', '<=', String(seq))
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? parsePerimeter(row.perimeter) : [];
}

/** True when the client's perimeter or some establishment's territory changed in (from, to]. */
export async function visibilityMayHaveChanged(db: Kysely<Database>, clientId: string, from: bigint, to: bigint): Promise<boolean> {
  const { changed } = await db
    .selectNoFrom((eb) => [
      eb.or([
        eb.exists(eb.selectFrom('client_perimeter_version').select('seq').where('client_id', '=', clientId)
          .where('seq', '>', String(from)).where('seq', '<=', String(to))),
        eb.exists(eb.selectFrom('establishment_territory').select('seq').where('seq', '>', String(from)).where('seq', '<=', String(to))),
      ]).as('changed'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(changed);
}

/** The UAIs a client could see as of a sequence number, from the perimeter and territory histories. */
export async function visibleUaisAt(db: Kysely<Database>, clientId: string, seq: bigint): Promise<Set<string>> {
  const perimeter = await perimeterAt(db, clientId, seq);
  if (perimeter.length === 0) return new Set();
  const rows = await db
    .selectFrom((qb) =>
      qb.selectFrom('establishment_territory')
        .distinctOn('uai')
        .selectAll()
        .where('seq', '<=', String(seq))
        .orderBy('uai')
        .orderBy('seq', 'desc')
        .as('establishment_territory'),
    )
    .select('uai')
    .where('status', '=', 'active')
    .where((eb) => coversEstablishment(eb, perimeter))
    .execute();
  return new Set(rows.map((r) => r.uai));
}

/** States of a job that has written nothing its submitter may not see (a failed job applied nothing). */
const NOTHING_WRITTEN = ['queued', 'running', 'failed', 'cancelled'] as const;

/**
 * The sync jobs a client may see and act on, as a predicate on `sync_job` rows. A job of an establishment is
 * inside the perimeter when that establishment is (an admin sees all such jobs, another client its own); a job
 * naming no establishment the store holds (a directory import, an AAF delivery) is its submitter's, and national
 * admins'. A job submitted for an establishment its submitter could not see (`establishmentUnseen`: missing or
 * outside, which it must not learn) stays its submitter's until it has written, so that following it answers
 * the same in both cases: its import refuses one outside in the same words, and the job fails with nothing
 * else to show. Everything else looks missing, so a narrowed client loses the jobs of what left its perimeter.
 */
export function jobVisibleTo(viewer: JobViewer): (eb: ExpressionBuilder<Database, 'sync_job'>) => Expression<SqlBool> {
  return (eb) => {
    const own = eb('sync_job.submitted_by', '=', viewer.clientId);
    const establishment = () => eb.selectFrom('establishment').select('establishment.uai').whereRef('establishment.uai', '=', 'sync_job.uai');
    const inside = eb.exists(establishment().where('establishment.status', '=', 'active')
      .where((e) => coversEstablishment(e as unknown as ExpressionBuilder<Database, 'establishment'>, viewer.perimeter)));
    const nationalAdmin = viewer.admin && viewer.perimeter.some((e) => e.kind === 'national');
    const submittedUnseen = eb.and([
      own,
      sql<SqlBool>`(sync_job.options->>'establishmentUnseen') = 'true'`,
      eb('sync_job.state', 'in', NOTHING_WRITTEN),
    ]);
    return eb.or([
      viewer.admin ? inside : eb.and([inside, own]),
      eb.and([eb.not(eb.exists(establishment())), nationalAdmin ? sql<SqlBool>`true` : own]),
      submittedUnseen,
    ]);
  };
}
