// The read models exports are made from: an establishment's active roster records by keyset pages (the GAR
// package, of any size, holds one page at a time) and the pupils of a commune's écoles with their class, level
// (the pupil's own, else its class's) and guardians with their contacts (what municipal family software takes in,
// see connectors/municipal). Active records only.
import type { Kysely } from 'kysely';
import type { CanonicalEntity } from '../../../connectors/kit/operation.js';
import type { MunicipalGuardian, MunicipalPupil } from '../../../connectors/municipal/write.js';
import type { Database, EstablishmentRow } from '../../store/tables.js';

export type RosterEntity = CanonicalEntity;

export interface RosterRecord {
  id: string;
  [field: string]: unknown;
}

const PAGE_SIZE = 1000;

export async function activeEstablishment(db: Kysely<Database>, uai: string): Promise<EstablishmentRow | undefined> {
  return db.selectFrom('establishment').selectAll().where('uai', '=', uai).where('status', '=', 'active').executeTakeFirst();
}

/** Active records of `entity` in `uai`, by id; `kinds` narrows people or groups to those kinds. */
export async function* establishmentRoster(
  db: Kysely<Database>,
  uai: string,
  entity: RosterEntity,
  options: { kinds?: readonly string[]; pageSize?: number } = {},
): AsyncGenerator<RosterRecord> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let after: string | undefined;
  for (;;) {
    let query = db.selectFrom('roster_record').select(['id', 'data'])
      .where('uai', '=', uai).where('entity', '=', entity).where('status', '=', 'active');
    if (options.kinds) query = query.where('kind', 'in', [...options.kinds]);
    if (after !== undefined) query = query.where('id', '>', after);
    const page = await query.orderBy('id').limit(pageSize).execute();
    for (const row of page) yield { ...(row.data as Record<string, unknown>), id: row.id };
    if (page.length < pageSize) return;
    after = page[page.length - 1].id;
  }
}

type Data = Record<string, unknown>;

export async function communePupils(db: Kysely<Database>, communeCode: string): Promise<MunicipalPupil[]> {
  const schools = await db
    .selectFrom('establishment')
    .select(['uai', 'name'])
    .where('commune_code', '=', communeCode)
    .where('type', '=', 'ecole')
    .where('status', '=', 'active')
    .orderBy('uai')
    .execute();
  const rows: MunicipalPupil[] = [];
  for (const school of schools) {
    const records = await db
      .selectFrom('roster_record')
      .select(['id', 'entity', 'kind', 'data'])
      .where('uai', '=', school.uai)
      .where('status', '=', 'active')
      .where('entity', 'in', ['person', 'group', 'membership', 'guardianLink'])
      .execute();
    const byId = new Map(records.map((r) => [r.id, r]));
    const guardiansOf = new Map<string, MunicipalGuardian[]>();
    for (const link of records.filter((r) => r.entity === 'guardianLink')) {
      const data = link.data as Data;
      const guardian = byId.get(data.guardianId as string);
      if (!guardian) continue;
      const g = guardian.data as Data;
      const list = guardiansOf.get(data.pupilId as string) ?? [];
      list.push({
        familyName: g.familyName as string, givenName: g.givenName as string,
        ...(typeof g.email === 'string' ? { email: g.email } : {}), legalRepresentative: data.legalRepresentative === true,
        ...(typeof data.relationship === 'string' ? { relationship: data.relationship as MunicipalGuardian['relationship'] } : {}),
        ...(g.address ? { address: g.address as MunicipalGuardian['address'] } : {}),
        ...(Array.isArray(g.phones) && g.phones.length ? { phones: g.phones as MunicipalGuardian['phones'] } : {}),
      });
      guardiansOf.set(data.pupilId as string, list);
    }
    const classesOf = new Map<string, Data[]>();
    for (const membership of records.filter((r) => r.entity === 'membership' && r.kind === 'pupil')) {
      const data = membership.data as Data;
      const group = byId.get(data.groupId as string);
      if (group?.kind !== 'division') continue;
      classesOf.set(data.personId as string, [...(classesOf.get(data.personId as string) ?? []), group.data as Data]);
    }
    const pupils = records.filter((r) => r.entity === 'person' && r.kind === 'pupil')
      .sort((a, b) => `${(a.data as Data).familyName}${(a.data as Data).givenName}`.localeCompare(`${(b.data as Data).familyName}${(b.data as Data).givenName}`, 'fr'));
    for (const pupil of pupils) {
      const p = pupil.data as Data;
      for (const division of classesOf.get(pupil.id) ?? [{}]) {
        rows.push({
          uai: school.uai, establishmentName: school.name,
          ...(typeof p.ine === 'string' ? { ine: p.ine } : {}),
          familyName: p.familyName as string, givenName: p.givenName as string,
          ...(typeof p.birthDate === 'string' ? { birthDate: p.birthDate } : {}),
          className: (division.name as string | undefined) ?? (division.code as string | undefined) ?? '',
          ...(typeof (p.level ?? division.level) === 'string' ? { level: (p.level ?? division.level) as string } : {}),
          guardians: guardiansOf.get(pupil.id) ?? [],
        });
      }
    }
  }
  return rows;
}
