// SSO accounts (one per upstream provider and subject), their links to roster people, and daily login counts.
// Written so that the same identity logging in twice at once makes one account and one link per person.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';
import type { SsoPerson } from './people.js';

/** The account of this provider's subject, made on first login; `created` says whether this call made it. */
export async function accountFor(db: Kysely<Database>, provider: string, subject: string): Promise<{ id: string; created: boolean }> {
  const inserted = await db.insertInto('sso_account')
    .values({ id: randomUUID(), provider, subject, last_login_at: new Date() })
    .onConflict((oc) => oc.columns(['provider', 'subject']).doUpdateSet({ last_login_at: new Date() }))
    .returning(['id', sql<boolean>`xmax = 0`.as('created')])
    .executeTakeFirstOrThrow();
  return { id: inserted.id, created: inserted.created };
}

/**
 * Makes the account's links exactly these people (links to people no longer found go), stamps this login on
 * each, and returns the people newly linked: one statement, so a login pays one round trip and one commit.
 */
export async function relinkAccount(db: Kysely<Database>, accountId: string, people: readonly SsoPerson[]): Promise<SsoPerson[]> {
  const ids = people.map((p) => p.id);
  const { rows } = await sql<{ person_id: string; created: boolean }>`
    with gone as (
      delete from sso_link where account_id = ${accountId} and person_id <> all(${ids}::uuid[])
    )
    insert into sso_link (account_id, person_id, uai, role, last_login_at)
    select ${accountId}, person_id, uai, role, now()
    from unnest(${ids}::uuid[], ${people.map((p) => p.uai)}::text[], ${people.map((p) => p.kind)}::text[]) as t(person_id, uai, role)
    on conflict (account_id, person_id) do update set last_login_at = excluded.last_login_at, uai = excluded.uai, role = excluded.role
    returning person_id, (xmax = 0) as created`.execute(db);
  const created = new Set(rows.filter((r) => r.created).map((r) => r.person_id));
  return people.filter((p) => created.has(p.id));
}

/** The people an account is linked to that are still active in the roster. */
export async function linkedPeople(db: Kysely<Database>, accountId: string): Promise<SsoPerson[]> {
  const { rows } = await sql<{ id: string; uai: string; kind: SsoPerson['kind']; given_name: string | null; family_name: string | null }>`
    select p.id, p.uai, p.data->>'kind' as kind, p.data->>'givenName' as given_name, p.data->>'familyName' as family_name
    from sso_link l join roster_record p on p.id = l.person_id
    where l.account_id = ${accountId} and p.status = 'active'
    order by l.linked_at, p.id`.execute(db);
  return rows.map((r) => ({ id: r.id, uai: r.uai, kind: r.kind, givenName: r.given_name ?? '', familyName: r.family_name ?? '' }));
}

export interface LoginCount {
  readonly uai: string;
  readonly role: string;
}

/** Adds one login per distinct entry to the counts of `day` (YYYY-MM-DD). */
export async function countLogins(db: Kysely<Database>, day: string, provider: string, clientId: string, entries: readonly LoginCount[]): Promise<void> {
  const distinct = [...new Map(entries.map((e) => [`${e.uai} ${e.role}`, e])).values()];
  if (!distinct.length) return;
  await db.insertInto('sso_login_day')
    .values(distinct.map((e) => ({ day, uai: e.uai, role: e.role, provider, client_id: clientId, logins: 1 })))
    .onConflict((oc) => oc.columns(['day', 'uai', 'role', 'provider', 'client_id']).doUpdateSet({ logins: sql`sso_login_day.logins + 1` }))
    .execute();
}

/** Login counts per day, for the aggregates and the tests. */
export async function loginDays(db: Kysely<Database>, from: string, to: string) {
  return db.selectFrom('sso_login_day').selectAll().where('day', '>=', from).where('day', '<=', to).orderBy(['day', 'uai', 'role']).execute();
}
