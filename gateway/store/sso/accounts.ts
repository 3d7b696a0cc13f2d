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

/** One login of one person, in one role, at one establishment, through one provider, for one service. */
export interface LoginCount {
  readonly day: string;
  readonly uai: string;
  readonly role: string;
  readonly provider: string;
  readonly clientId: string;
}

/** Adds the logins to their days' counts: one statement, the same key's logins summed in it. */
export async function countLogins(db: Kysely<Database>, logins: readonly LoginCount[]): Promise<void> {
  const counts = new Map<string, { row: LoginCount; logins: number }>();
  for (const login of logins) {
    const key = JSON.stringify([login.day, login.uai, login.role, login.provider, login.clientId]);
    const counted = counts.get(key);
    if (counted) counted.logins += 1;
    else counts.set(key, { row: login, logins: 1 });
  }
  if (!counts.size) return;
  await db.insertInto('sso_login_day')
    .values([...counts.values()].map(({ row, logins: n }) => ({ day: row.day, uai: row.uai, role: row.role, provider: row.provider, client_id: row.clientId, logins: n })))
    .onConflict((oc) => oc.columns(['day', 'uai', 'role', 'provider', 'client_id']).doUpdateSet({ logins: sql`sso_login_day.logins + excluded.logins` }))
    .execute();
}
