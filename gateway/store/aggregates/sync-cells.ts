// Sync health as aggregates: per establishment of the territory and import connector, when its last import
// succeeded and how many failed since; summed by `by` (connector among them). A job counts for the
// establishments it names: its own, or each of those a delivery named itself (an AAF delivery), with that
// establishment's outcome; a job that names none in the territory counts for nothing, so that no establishment
// outside the territory (and the caller's perimeter) is ever counted.
import { sql, type Kysely } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import type { Database } from '../tables.js';
import { grouping, territoryUais, toCell, type Dimension, type FactCell } from './cells.js';

/** The connector cell of the establishments no import ever named. */
export const NO_CONNECTOR = 'none';

/**
 * By `by`: the establishments whose last successful import (by any connector, `staleEstablishments`; by the
 * cell's connector, `staleForConnector`) finished more than `staleDays` days ago or never, and the imports that
 * failed since the last success of their connector at their establishment (`failedJobs`).
 */
export async function syncCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], staleDays: number): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by);
  const cutoff = sql`now() - make_interval(days => ${staleDays})`;
  const { rows } = await sql<Record<string, string | number | null>>`
    with est as (${territoryUais(db, territory)}),
    outcomes as (
      select j.connector, coalesce(o.value->>'uai', j.uai) as uai, j.finished_at,
        coalesce(o.value->>'state' = 'completed', j.state in ('completed', 'completed-with-errors')) as succeeded,
        coalesce(o.value->>'state' = 'failed', j.state = 'failed') as failed
      from sync_job j
      left join lateral jsonb_array_elements(case jsonb_typeof(j.establishments) when 'array' then j.establishments else '[]'::jsonb end) as o(value) on true
      where j.kind = 'import' and j.finished_at is not null
    ),
    pairs as (
      select x.uai, x.connector, max(x.finished_at) filter (where x.succeeded) as last_success
      from outcomes x where x.uai in (select uai from est)
      group by x.uai, x.connector
    ),
    failing as (
      select pairs.uai, pairs.connector, count(*) as failed_jobs
      from pairs join outcomes x on x.uai = pairs.uai and x.connector = pairs.connector
      where x.failed and (pairs.last_success is null or x.finished_at > pairs.last_success)
      group by pairs.uai, pairs.connector
    ),
    p as (
      select est.uai, coalesce(pairs.connector, ${NO_CONNECTOR}) as connector, pairs.last_success,
        max(pairs.last_success) over (partition by est.uai) as any_success, coalesce(failing.failed_jobs, 0) as failed_jobs
      from est left join pairs on pairs.uai = est.uai
      left join failing on failing.uai = pairs.uai and failing.connector = pairs.connector
    )
    select ${sql.join([...selected, sql`count(distinct p.uai) as establishments`], sql`, `)},
      count(distinct p.uai) filter (where p.any_success is null or p.any_success < ${cutoff}) as stale_establishments,
      count(distinct p.uai) filter (where p.last_success is null or p.last_success < ${cutoff}) as stale_for_connector,
      coalesce(sum(p.failed_jobs), 0) as failed_jobs
    from p join establishment e on e.uai = p.uai
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}
