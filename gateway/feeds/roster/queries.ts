// Roster listings: keyset pages over one establishment's records (or over the visible establishments), all
// read as of one change-log position so that paging a moving dataset neither skips nor repeats a record.
import { sql, type Expression, type SelectQueryBuilder } from 'kysely';
import type { AuditEntry } from '../../store/audit.js';
import { renderingFor } from '../../perimeter/projection.js';
import type { EstablishmentGate, ScopedAccess } from '../../perimeter/scoped-access.js';
import { committedSequence } from '../../store/changelog.js';
import type { RosterEntity } from '../../store/records.js';
import type { Database } from '../../store/tables.js';
import { renderedRecord } from '../../store/record-shape.js';

export interface PageRequest {
  limit: number;
  /** Key of the last row of the previous page. */
  after: string | undefined;
  /**
   * Change-log position the listing is read at (rows changed later are left to the change feed); a first page
   * has none yet, and is read at the position of its own statement.
   */
  asOf: bigint | undefined;
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
  /** The position the page was read at: the next pages' and the change feed's. */
  asOf: bigint;
  /** Which rendering of the records it holds (identifying fields or not): two callers' pages differ by it. */
  rendering: 'full' | 'minimal';
}

/** Filters on a roster listing; each names the column or link it reads. */
export interface RecordFilters {
  kind?: string;
  /** A link field of the record's data (personId, groupId, guardianId, pupilId) and the id it must hold. */
  links?: { field: string; value: string }[];
  /** People with an active membership in this group. */
  memberOf?: string;
}

type Filtered = SelectQueryBuilder<Database, any, object>;

/** One page of `filtered`, keyset-paged on `key`, as the listed rows. */
function pageOf(filtered: Filtered, key: string, rendering: 'full' | 'minimal', request: PageRequest) {
  let listing = filtered
    .select([sql<string>`${sql.ref(key)}::text`.as('key'), sql<string>`seq::text`.as('seq'), renderedRecord(rendering).as('record')])
    .orderBy(key as any)
    .limit(request.limit + 1);
  if (request.after !== undefined) listing = listing.where(key as any, '>', request.after);
  return listing as SelectQueryBuilder<Database, any, ListedRow>;
}

async function totalOf(filtered: Filtered, request: PageRequest): Promise<number | undefined> {
  if (!request.withTotal) return undefined;
  const { n } = await filtered.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() as { n: string };
  return Number(n);
}

function pageFrom(rows: ListedRow[], request: PageRequest, asOf: bigint, total: number | undefined, rendering: Page<ListedRow>['rendering']): Page<ListedRow> {
  return { rows: rows.slice(0, request.limit), hasMore: rows.length > request.limit, total, asOf, rendering };
}

/**
 * One establishment's records of an entity, in the rendering the caller's scopes allow: read in one statement with the
 * perimeter check (ScopedAccess.readIn), and, for personal data, not returned before its audit entry is committed.
 */
export async function listRecords(
  access: ScopedAccess,
  uai: string,
  entity: RosterEntity,
  filters: RecordFilters,
  request: PageRequest,
  audit?: Omit<AuditEntry, 'uai' | 'count'>,
): Promise<Page<ListedRow>> {
  const filtered = (gate: EstablishmentGate) => {
    let query = access.db
      .selectFrom('roster_record as r')
      .where('r.uai', '=', gate.uai as Expression<string>)
      .where('r.entity', '=', entity)
      .where('r.seq', '<=', request.asOf === undefined ? gate.position : String(request.asOf));
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
    return query;
  };
  // The rendering is chosen as the read is built: a caller found stale is reloaded, and the read built again.
  const read = await access.readIn(uai, (gate) => pageOf(filtered(gate), 'r.id', renderingFor(access.caller.scopes), request));
  const asOf = request.asOf ?? BigInt(read.position);
  const total = await totalOf(filtered({ uai: sql.val(read.uai), position: sql.val(String(asOf)) }), request);
  // The caller the read was built for (reloaded if it was stale): its rendering is the page's.
  const page = pageFrom(read.rows, request, asOf, total, renderingFor(access.caller.scopes));
  // The page is not served unless its reading is on record.
  if (audit) await access.audit.record([{ ...audit, uai: read.uai, count: page.rows.length }]);
  return page;
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
  const asOf = request.asOf ?? await committedSequence(access.db);
  let query = access.establishments().where('seq', '<=', String(asOf));
  if (request.updatedSince) query = query.where('updated_at', '>=', request.updatedSince);
  if (filters.type) query = query.where('type', '=', filters.type);
  if (filters.communeCode) query = query.where('commune_code', '=', filters.communeCode);
  if (filters.departementCode) query = query.where('departement_code', '=', filters.departementCode);
  if (filters.regionCode) query = query.where('region_code', '=', filters.regionCode);
  if (filters.academieCode) query = query.where('academie_code', '=', filters.academieCode);
  const rows = (await pageOf(query, 'uai', 'full', request).execute());
  return pageFrom(rows, request, asOf, await totalOf(query, request), 'full');
}
