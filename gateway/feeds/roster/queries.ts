// Roster listings: keyset pages over one establishment's records (or over the visible establishments), all
// read as of one change-log position so that paging a moving dataset neither skips nor repeats a record.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import type { RosterEntity } from '../../store/records.js';
import type { Database, EstablishmentRow, RosterRecordRow } from '../../store/tables.js';

export interface PageRequest {
  limit: number;
  /** Key of the last row of the previous page. */
  after: string | undefined;
  /** Change-log position the listing is read at: rows changed later are left to the change feed. */
  asOf: bigint;
  includeDeleted: boolean;
  updatedSince: Date | undefined;
  withTotal: boolean;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
  total: number | undefined;
}

/** Filters on a roster listing; each names the column or link it reads. */
export interface RecordFilters {
  kind?: string;
  /** A link field of the record's data (personId, groupId, guardianId, pupilId) and the id it must hold. */
  links?: { field: string; value: string }[];
  /** People with an active membership in this group. */
  memberOf?: string;
}

async function page<Row, K extends string>(
  base: SelectQueryBuilder<Database, any, Row>,
  key: K,
  request: PageRequest,
): Promise<Page<Row>> {
  const total = request.withTotal
    ? Number((await base.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() as { n: string }).n)
    : undefined;
  let query = base.orderBy(key as any).limit(request.limit + 1);
  if (request.after !== undefined) query = query.where(key as any, '>', request.after);
  const rows = await query.execute();
  return { rows: rows.slice(0, request.limit), hasMore: rows.length > request.limit, total };
}

export async function listRecords(
  access: ScopedAccess,
  uai: string,
  entity: RosterEntity,
  filters: RecordFilters,
  request: PageRequest,
): Promise<Page<RosterRecordRow>> {
  let query = access.db
    .selectFrom('roster_record as r')
    .selectAll('r')
    .where('r.uai', '=', uai)
    .where('r.entity', '=', entity)
    .where('r.seq', '<=', String(request.asOf));
  if (!request.includeDeleted) query = query.where('r.status', '=', 'active');
  if (request.updatedSince) query = query.where('r.updated_at', '>=', request.updatedSince);
  if (filters.kind) query = query.where('r.kind', '=', filters.kind);
  for (const link of filters.links ?? []) {
    query = query.where(sql<boolean>`r.data ? ${link.field}`).where(sql<string>`r.data->>${link.field}`, '=', link.value);
  }
  if (filters.memberOf) {
    const groupId = filters.memberOf;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('roster_record as m')
          .select('m.id')
          .where('m.uai', '=', uai)
          .where('m.entity', '=', 'membership')
          .where('m.status', '=', 'active')
          .where(sql<boolean>`m.data ? 'personId'`)
          .where(sql<string>`m.data->>'personId'`, '=', sql<string>`r.id::text`)
          .where(sql<string>`m.data->>'groupId'`, '=', groupId),
      ),
    );
  }
  return page(query, 'r.id', request);
}

export interface EstablishmentFilters {
  type?: string;
  communeCode?: string;
  departementCode?: string;
  regionCode?: string;
  academieCode?: string;
}

export async function listEstablishments(
  access: ScopedAccess,
  filters: EstablishmentFilters,
  request: PageRequest,
): Promise<Page<EstablishmentRow>> {
  let query = access.establishments().selectAll().where('seq', '<=', String(request.asOf));
  if (request.updatedSince) query = query.where('updated_at', '>=', request.updatedSince);
  if (filters.type) query = query.where('type', '=', filters.type);
  if (filters.communeCode) query = query.where('commune_code', '=', filters.communeCode);
  if (filters.departementCode) query = query.where('departement_code', '=', filters.departementCode);
  if (filters.regionCode) query = query.where('region_code', '=', filters.regionCode);
  if (filters.academieCode) query = query.where('academie_code', '=', filters.academieCode);
  return page(query, 'uai', request);
}
