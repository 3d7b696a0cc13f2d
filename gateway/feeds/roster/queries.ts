// Roster listings: keyset pages over one establishment's records (or over the visible establishments), all
// read as of one change-log position so that paging a moving dataset neither skips nor repeats a record.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { AuditEntry } from '../../store/audit.js';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import type { RosterEntity } from '../../store/records.js';
import type { Database } from '../../store/tables.js';
import { renderedRecord } from '../../store/record-shape.js';

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

/** A listed record: its paging key, its version, and the record as JSON text ready for the response. */
export interface ListedRow {
  key: string;
  seq: string;
  record: string;
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

async function page(
  db: Kysely<Database>,
  base: SelectQueryBuilder<Database, any, object>,
  key: string,
  rendering: 'full' | 'minimal',
  request: PageRequest,
  audit: AuditEntry | undefined,
): Promise<Page<ListedRow>> {
  const total = request.withTotal
    ? Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() as { n: string }).n)
    : undefined;
  let listing = base
    .select([sql<string>`${sql.ref(key)}::text`.as('key'), sql<string>`seq::text`.as('seq'), renderedRecord(rendering).as('record')])
    .orderBy(key as any)
    .limit(request.limit + 1);
  if (request.after !== undefined) listing = listing.where(key as any, '>', request.after);
  let rows: ListedRow[];
  if (!audit) {
    rows = (await listing.execute()) as ListedRow[];
  } else {
    // The read and its audit entry in one statement: the page is not served unless its reading is recorded.
    rows = (await db
      .with('page', () => listing)
      .with('audit', (qc) => qc.insertInto('audit_log')
        .columns(['client_id', 'uai', 'entity', 'count', 'request_id'])
        .expression((eb) => eb.selectFrom('page' as any)
          .select([
            sql.val(audit.clientId).as('client_id'), sql.val(audit.uai).as('uai'), sql.val(audit.entity).as('entity'),
            sql<number>`least(count(*), ${request.limit})::int`.as('count'), sql.val(audit.requestId).as('request_id'),
          ])
          .having(sql`count(*)`, '>', 0) as any))
      .selectFrom('page' as any)
      .selectAll()
      .orderBy('key')
      .execute()) as ListedRow[];
  }
  return { rows: rows.slice(0, request.limit), hasMore: rows.length > request.limit, total };
}

/** One establishment's records of an entity, in the rendering the caller may see. */
export async function listRecords(
  access: ScopedAccess,
  uai: string,
  entity: RosterEntity,
  filters: RecordFilters,
  rendering: 'full' | 'minimal',
  request: PageRequest,
  audit?: AuditEntry,
): Promise<Page<ListedRow>> {
  let query = access.db
    .selectFrom('roster_record as r')
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
  return page(access.db, query, 'r.id', rendering, request, audit);
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
): Promise<Page<ListedRow>> {
  let query = access.establishments().where('seq', '<=', String(request.asOf));
  if (request.updatedSince) query = query.where('updated_at', '>=', request.updatedSince);
  if (filters.type) query = query.where('type', '=', filters.type);
  if (filters.communeCode) query = query.where('commune_code', '=', filters.communeCode);
  if (filters.departementCode) query = query.where('departement_code', '=', filters.departementCode);
  if (filters.regionCode) query = query.where('region_code', '=', filters.regionCode);
  if (filters.academieCode) query = query.where('academie_code', '=', filters.academieCode);
  return page(access.db, query, 'uai', 'full', request, undefined);
}
