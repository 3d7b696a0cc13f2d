// The per-establishment facts the aggregates sum, kept up to date incrementally: a refresh recomputes the
// establishments the change log names since the last refresh (all of them the first time), in one transaction
// that also moves the refresh's position, under a lock so that replicas refreshing at once do it once. Logins
// write no change log: the establishments of the SSO links made since the last refresh are recomputed too. The
// lesson days the timetables' writes marked are computed first (store/timetable/occurrence-days.ts).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { refreshStaleDays } from '../timetable/occurrence-days.js';

export interface RefreshOutcome {
  /** Establishments whose facts were recomputed. */
  readonly establishments: number;
  /** Establishments' school days whose lessons and room time were summed again. */
  readonly days: number;
  /** The change-log position the facts are now up to date with. */
  readonly seq: bigint;
  readonly refreshedAt: Date;
  /** Another process was refreshing: nothing was done here. */
  readonly skipped: boolean;
}

/** The entities the facts are counted from. */
const FACT_SOURCES = ['establishment', 'person', 'group', 'membership'];

/**
 * How far before the last refresh new SSO links are looked for: a link made just before it may have committed
 * just after its snapshot (recomputing an establishment twice is harmless).
 */
const LINK_OVERLAP = '1 minute';

/**
 * The lock class of this refresh (pg_try_advisory_xact_lock), keyed with the schema: deployments (and test suites)
 * in other schemas of one database refresh their own facts, and must not skip theirs for another's.
 */
export const REFRESH_LOCK = 0x5a66_7e90;

/**
 * Brings the marked lesson days (up to about `maxDays` of them: all by default), then the facts up to date. The
 * days come first: the refresh time the facts take then covers them too, and answers cached under it (answer-
 * cache.ts) hold the days as refreshed.
 */
export async function refreshFacts(db: Kysely<Database>, maxDays = Infinity): Promise<RefreshOutcome> {
  const days = await refreshStaleDays(db, maxDays);
  return { ...(await refreshEstablishmentFacts(db)), days };
}

function refreshEstablishmentFacts(db: Kysely<Database>): Promise<Omit<RefreshOutcome, 'days'>> {
  return db.transaction().execute(async (trx) => {
    const { rows: [lock] } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${REFRESH_LOCK}, hashtext(current_schema())) as locked`.execute(trx);
    const state = await trx.selectFrom('aggregate_refresh').select(['seq', 'refreshed_at']).where('id', '=', 1).executeTakeFirstOrThrow();
    if (!lock.locked) return { establishments: 0, seq: BigInt(state.seq), refreshedAt: state.refreshed_at, skipped: true };
    const { seq: current } = await trx.selectFrom('change_counter').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
    const since = BigInt(state.seq);
    // Everything the first time; afterwards the establishments whose facts' sources the change log names since
    // (themselves, their people, groups and memberships: a timetable's changes move no fact), and those of the
    // people who logged in through the SSO for the first time.
    const { rows: changed } = since < 0n
      ? await sql<{ uai: string }>`select uai from establishment`.execute(trx)
      : await sql<{ uai: string }>`
        select uai from change_log
        where seq > ${String(since)} and seq <= ${current} and uai is not null and entity in (${sql.join(FACT_SOURCES)})
        union
        select uai from sso_link where linked_at > ${state.refreshed_at}::timestamptz - ${LINK_OVERLAP}::interval`.execute(trx);
    const uais = changed.map((r) => r.uai);
    const refreshedAt = new Date();
    if (uais.length) {
      await sql`delete from establishment_fact where uai = any(${uais}::text[])`.execute(trx);
      await sql`
        insert into establishment_fact (uai, computed_at, pupils, teachers, divisions, divisions_with_pupils, pupils_in_divisions, pupils_by_level, pupils_logged_in)
        select e.uai, ${refreshedAt}::timestamptz,
          coalesce(people.pupils, 0), coalesce(people.teachers, 0), coalesce(groups.divisions, 0),
          coalesce(placed.divisions, 0), coalesce(placed.pupils, 0), coalesce(people.by_level, '{}'::jsonb), coalesce(sso.pupils, 0)
        from establishment e
        left join lateral (
          -- The people read once for their counts and the pupils' levels.
          select sum(n) filter (where kind = 'pupil')::bigint as pupils, sum(n) filter (where kind = 'teacher')::bigint as teachers,
            jsonb_object_agg(level, n) filter (where kind = 'pupil') as by_level
          from (
            select kind, coalesce(data->>'level', 'unknown') as level, count(*) as n
            from roster_record where uai = e.uai and entity = 'person' and kind in ('pupil', 'teacher') and status = 'active'
            group by 1, 2
          ) counted
        ) people on true
        left join lateral (
          select count(*) as divisions from roster_record where uai = e.uai and entity = 'group' and kind = 'division' and status = 'active'
        ) groups on true
        left join lateral (
          -- The divisions' ids are read once per establishment, then each membership is checked against them: a
          -- join let the planner, expecting one division, read the memberships again for each division.
          select count(distinct m.data->>'groupId') as divisions, count(distinct m.data->>'personId') as pupils
          from roster_record m
          where m.uai = e.uai and m.entity = 'membership' and m.kind = 'pupil' and m.status = 'active'
            and (m.data->>'groupId')::uuid = any(array(
              select id from roster_record where uai = e.uai and entity = 'group' and kind = 'division' and status = 'active'))
        ) placed on true
        left join lateral (
          -- From the pupils to their links (indexed by person), not the links of the establishment.
          select count(*) as pupils from roster_record p
          where p.uai = e.uai and p.entity = 'person' and p.kind = 'pupil' and p.status = 'active'
            and exists (select from sso_link l where l.person_id = p.id and l.last_login_at is not null)
        ) sso on true
        where e.uai = any(${uais}::text[]) and e.status = 'active'`.execute(trx);
    }
    await trx.updateTable('aggregate_refresh').set({ seq: current, refreshed_at: refreshedAt }).where('id', '=', 1).execute();
    return { establishments: uais.length, seq: BigInt(current), refreshedAt, skipped: false };
  });
}
