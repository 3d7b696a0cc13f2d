// The roster reads SSO needs: people by the join keys an identity provider sends, a pupil's guardians, a
// guardian's children, people's classes and establishments. Active records only.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface SsoPerson {
  readonly id: string;
  readonly uai: string;
  readonly kind: 'pupil' | 'teacher' | 'staff' | 'guardian';
  readonly givenName: string;
  readonly familyName: string;
}

export interface SsoClass {
  readonly personId: string;
  readonly kind: string;
  readonly code: string;
  readonly name: string | null;
}

export interface SsoEstablishment {
  readonly uai: string;
  readonly type: string;
  readonly name: string;
  readonly communeCode: string | null;
  readonly departementCode: string | null;
  readonly regionCode: string;
  readonly academieCode: string;
}

interface PersonRow { id: string; uai: string; kind: SsoPerson['kind']; given_name: string | null; family_name: string | null }

const personColumns = sql`p.id, p.uai, p.data->>'kind' as kind, p.data->>'givenName' as given_name, p.data->>'familyName' as family_name`;

function toPerson(row: PersonRow): SsoPerson {
  return { id: row.id, uai: row.uai, kind: row.kind, givenName: row.given_name ?? '', familyName: row.family_name ?? '' };
}

/** Everyone whose `sourceIds[source]` is `value`, in any establishment. */
export async function personsBySourceId(db: Kysely<Database>, source: string, value: string): Promise<SsoPerson[]> {
  const { rows } = await sql<PersonRow>`
    select ${personColumns} from source_key k join roster_record p on p.id = k.record_id
    where k.entity = 'person' and k.source = ${source} and k.source_id = ${value} and p.status = 'active'`.execute(db);
  return rows.map(toPerson);
}

/** The person whose `sourceIds[source]` is `value` in one establishment. */
export async function personBySourceIdIn(db: Kysely<Database>, uai: string, source: string, value: string): Promise<SsoPerson | undefined> {
  const { rows } = await sql<PersonRow>`
    select ${personColumns} from source_key k join roster_record p on p.id = k.record_id
    where k.uai = ${uai} and k.entity = 'person' and k.source = ${source} and k.source_id = ${value} and p.status = 'active'`.execute(db);
  return rows.length ? toPerson(rows[0]) : undefined;
}

/** Pupils whose stored INE has this MD5 (lower-case hex). */
export async function pupilsByIneMd5(db: Kysely<Database>, hash: string): Promise<SsoPerson[]> {
  const { rows } = await sql<PersonRow>`
    select ${personColumns} from roster_record p
    where p.entity = 'person' and p.data ? 'ine' and md5(p.data->>'ine') = ${hash} and p.status = 'active'`.execute(db);
  return rows.map(toPerson);
}

/** The guardians of one pupil, through its guardian links. */
export async function guardiansOf(db: Kysely<Database>, pupil: { id: string; uai: string }): Promise<SsoPerson[]> {
  const { rows } = await sql<PersonRow>`
    select ${personColumns} from roster_record l join roster_record p on p.uai = l.uai and p.id = (l.data->>'guardianId')::uuid
    where l.uai = ${pupil.uai} and l.data ? 'pupilId' and l.data->>'pupilId' = ${pupil.id} and l.entity = 'guardianLink'
      and l.status = 'active' and p.status = 'active'`.execute(db);
  return rows.map(toPerson);
}

/** The pupils these guardians are linked to, each once. */
export async function childrenOf(db: Kysely<Database>, guardians: readonly { id: string; uai: string }[]): Promise<SsoPerson[]> {
  if (!guardians.length) return [];
  const { rows } = await sql<PersonRow>`
    select distinct ${personColumns} from roster_record l join roster_record p on p.uai = l.uai and p.id = (l.data->>'pupilId')::uuid
    where (l.uai, l.data->>'guardianId') in (${sql.join(guardians.map((g) => sql`(${g.uai}, ${g.id})`))})
      and l.data ? 'guardianId' and l.entity = 'guardianLink' and l.status = 'active' and p.status = 'active'`.execute(db);
  return rows.map(toPerson);
}

/** The classes and groups these people are members of (as pupils or teachers), divisions first. */
export async function classesOf(db: Kysely<Database>, people: readonly { id: string; uai: string }[]): Promise<SsoClass[]> {
  if (!people.length) return [];
  const { rows } = await sql<{ person_id: string; kind: string; code: string; name: string | null }>`
    select m.data->>'personId' as person_id, g.data->>'kind' as kind, g.data->>'code' as code, g.data->>'name' as name
    from roster_record m join roster_record g on g.uai = m.uai and g.id = (m.data->>'groupId')::uuid
    where (m.uai, m.data->>'personId') in (${sql.join(people.map((p) => sql`(${p.uai}, ${p.id})`))})
      and m.data ? 'personId' and m.entity = 'membership' and m.status = 'active' and g.status = 'active'
    order by (g.data->>'kind') <> 'division', g.data->>'code'`.execute(db);
  return rows.map((r) => ({ personId: r.person_id, kind: r.kind, code: r.code, name: r.name }));
}

export async function establishmentsOf(db: Kysely<Database>, uais: readonly string[]): Promise<SsoEstablishment[]> {
  if (!uais.length) return [];
  const rows = await db.selectFrom('establishment')
    .select(['uai', 'type', 'name', 'commune_code', 'departement_code', 'region_code', 'academie_code'])
    .where('uai', 'in', [...new Set(uais)]).where('status', '=', 'active').execute();
  return rows.map((r) => ({
    uai: r.uai, type: r.type, name: r.name, communeCode: r.commune_code, departementCode: r.departement_code,
    regionCode: r.region_code, academieCode: r.academie_code,
  }));
}
