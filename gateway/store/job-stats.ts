// What the metrics read of the job records at scrape time, so that every gateway process tells the same.
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/** How many jobs there are of each kind, connector and state. */
export async function jobCounts(db: Kysely<Database>): Promise<{ kind: string; connector: string; state: string; count: number }[]> {
  const rows = await db.selectFrom('sync_job').select(['kind', 'connector', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['kind', 'connector', 'state']).execute();
  return rows.map((row) => ({ kind: row.kind, connector: row.connector, state: row.state, count: Number(row.n) }));
}

/** Seconds since the oldest queued job was created; 0 when none waits. */
export async function oldestQueuedJobAge(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('sync_job').select(sql<string | null>`extract(epoch from now() - min(created_at))`.as('age'))
    .where('state', '=', 'queued').executeTakeFirst();
  return Number(row?.age ?? 0);
}

/** The jobs finished in the last hour, by kind, connector and state, with the median and longest run in seconds. */
export async function recentJobDurations(db: Kysely<Database>): Promise<{ kind: string; connector: string; state: string; count: number; median: number; max: number }[]> {
  const { rows } = await sql<{ kind: string; connector: string; state: string; n: string; median: number | null; max: number | null }>`
    select kind, connector, state, count(*) as n,
      percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at)) as median,
      max(extract(epoch from finished_at - started_at)) as max
    from sync_job
    where finished_at > now() - interval '1 hour' and started_at is not null
    group by kind, connector, state`.execute(db);
  return rows.map((r) => ({ kind: r.kind, connector: r.connector, state: r.state, count: Number(r.n), median: Number(r.median ?? 0), max: Number(r.max ?? 0) }));
}
