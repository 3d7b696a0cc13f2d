// An establishment and its active roster records of one entity, read by keyset pages on (uai, entity, id) so
// that exports of any size hold one page at a time. Records come as their canonical fields plus id.
import type { Kysely } from 'kysely';
import type { Database, EstablishmentRow } from './tables.js';

export type RosterEntity = 'person' | 'group' | 'membership' | 'guardianLink' | 'subject' | 'room';

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
