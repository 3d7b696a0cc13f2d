// The change feed: what changed in the caller's perimeter after a cursor, in commit order, each record once
// in its latest state (deletions as tombstones). When the caller's visibility changes (its perimeter was
// edited, an establishment moved territory or opened), the feed first catches up to the new visibility:
// changes seen by both, then deletions for what left, then the current state of what entered, so that a
// replay always ends equal to what the caller may see now.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { isDerived, type EntityDescriptor } from '../../model/registry.js';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import type { Projection } from '../../perimeter/projection.js';
import { committedSequence } from '../changelog.js';
import { renderedRecord, tombstoneJson } from '../record-shape.js';
import type { Database } from '../tables.js';
import { occurrenceFeedRows as derivedFeedRows } from '../timetable/occurrence-json.js';
import { CursorAhead } from './cursor-ahead.js';
import { coversEstablishment, establishmentsCoveredBy, visibilityMayHaveChanged, visibleUaisAt } from './visibility.js';

export type Phase = 'changes' | 'leave' | 'enter';

export interface ChangeCursor {
  /** Everything visible up to this position has been delivered. */
  s: string;
  /** While catching up to a new visibility: the position being caught up to, the phase, and the last key. */
  t?: string;
  p?: Phase;
  /** Last delivered key: a sequence number in the `changes` phase, `uai/id` in the others. */
  a?: string;
}

/** Who reads the feed, and what of it: the entities it may read, each with its projection. */
export interface ChangeReader {
  clientId: string;
  perimeter: readonly PerimeterEntry[];
  entities: readonly EntityDescriptor[];
  projections: ReadonlyMap<string, Projection>;
  /** Source ids left out of the tombstones of records announced as leaving. */
  hiddenSources: readonly string[];
  /** Only this establishment's changes (its visibility is checked by the caller). */
  uai?: string;
}

export interface ChangeRow {
  entity: string;
  id: string;
  /** Null for a record of a territory or of the nation. */
  uai: string | null;
  status: 'active' | 'deleted';
  seq: string;
  /** The record as JSON text, as the caller may see it (a tombstone for a deletion). */
  record: string;
}

export interface ChangeEntry {
  op: 'upsert' | 'delete';
  row: ChangeRow;
}

export interface ChangePage {
  entries: ChangeEntry[];
  cursor: ChangeCursor;
  hasMore: boolean;
}

type Selector = (kind: 'establishment' | 'records' | 'shared') => (qb: SelectQueryBuilder<Database, any, object>) => SelectQueryBuilder<Database, any, object>;

export async function readChanges(db: Kysely<Database>, reader: ChangeReader, cursor: ChangeCursor, limit: number): Promise<ChangePage> {
  const from = BigInt(cursor.s);
  const head = await committedSequence(db);
  if (from > head) throw new CursorAhead();

  if (cursor.t === undefined) {
    if (from === head) return { entries: [], cursor, hasMore: false };
    if (await visibilityMayHaveChanged(db, reader.clientId, from, head)) {
      const [before, after] = await Promise.all([visibleUaisAt(db, reader.clientId, from), visibleUaisAt(db, reader.clientId, head)]);
      if (!sameSet(before, after)) return catchUp(db, reader, { s: cursor.s, t: String(head), p: 'changes' }, limit, before, after);
    }
    // Visibility is unchanged: plain changes in (from, head] within the current perimeter.
    const visible = (eb: any) => coversEstablishment(eb, reader.perimeter);
    const rows = await unionRows(db, reader, false, limit + 1, 'seq', (kind) => (qb) => {
      const q = qb.where('seq', '>', String(from)).where('seq', '<=', String(head));
      if (kind === 'shared') return q;
      return kind === 'establishment'
        ? q.where('status', '=', 'active').where(visible)
        : q.where('uai', 'in', establishmentsCoveredBy(db, reader.perimeter).select('establishment.uai'));
    });
    const hasMore = rows.length > limit;
    const shown = rows.slice(0, limit);
    return {
      entries: shown.map((row) => ({ op: row.status === 'deleted' ? 'delete' : 'upsert', row })),
      cursor: { s: hasMore ? shown[shown.length - 1].seq : String(head) },
      hasMore,
    };
  }

  if (BigInt(cursor.t) > head) throw new CursorAhead();
  const [before, after] = await Promise.all([visibleUaisAt(db, reader.clientId, from), visibleUaisAt(db, reader.clientId, BigInt(cursor.t))]);
  return catchUp(db, reader, cursor, limit, before, after);
}

async function catchUp(
  db: Kysely<Database>,
  reader: ChangeReader,
  cursor: ChangeCursor,
  limit: number,
  before: Set<string>,
  after: Set<string>,
): Promise<ChangePage> {
  const target = cursor.t!;
  // The cursor may be old: a catch-up begun under a wider perimeter sends nothing the caller may no longer see
  // (that is announced as leaving by the catch-up that follows this one).
  const visibleNow = new Set((await establishmentsCoveredBy(db, reader.perimeter).select('establishment.uai').execute()).map((r) => r.uai));
  const both = [...after].filter((u) => before.has(u) && visibleNow.has(u));
  const leaving = [...before].filter((u) => !after.has(u));
  const entering = [...after].filter((u) => !before.has(u) && visibleNow.has(u));
  const entries: ChangeEntry[] = [];
  const phases: Phase[] = ['changes', 'leave', 'enter'];
  let after_ = cursor.a;

  for (let i = phases.indexOf(cursor.p!); i < phases.length; i += 1) {
    const phase = phases[i];
    const room = limit - entries.length;
    let rows: ChangeRow[];
    if (phase === 'changes') {
      const since = after_ ?? cursor.s;
      rows = await unionRows(db, reader, false, room + 1, 'seq', (kind) => (qb) => {
        const q = qb.where('seq', '>', since).where('seq', '<=', target);
        return kind === 'shared' ? q : q.where(sql<boolean>`uai = any(${both}::text[])`);
      });
    } else {
      const uais = phase === 'leave' ? leaving : entering;
      // Records of a territory or of the nation do not enter or leave with a perimeter.
      rows = uais.length === 0 ? [] : await unionRows(db, { ...reader, entities: reader.entities.filter((e) => e.belongsTo === 'establishment') }, phase === 'leave', room + 1, 'key', () => (qb) => {
        let q = qb.where(sql<boolean>`uai = any(${uais}::text[])`);
        if (phase === 'enter') q = q.where('seq', '<=', target).where('status', '=', 'active');
        if (after_) {
          const [uai, id] = after_.split('/');
          q = q.where(sql<boolean>`(uai, id) > (${uai}, ${id}::uuid)`);
        }
        return q;
      });
    }
    const op = (row: ChangeRow): 'upsert' | 'delete' => (phase === 'leave' || row.status === 'deleted' ? 'delete' : 'upsert');
    if (rows.length > room) {
      const shown = rows.slice(0, room);
      entries.push(...shown.map((row) => ({ op: op(row), row })));
      const last = shown[shown.length - 1];
      const position = phase === 'changes' ? last.seq : `${last.uai}/${last.id}`;
      return { entries, cursor: { s: cursor.s, t: target, p: phase, a: position }, hasMore: true };
    }
    entries.push(...rows.map((row) => ({ op: op(row), row })));
    after_ = undefined;
  }
  const head = await committedSequence(db);
  return { entries, cursor: { s: target }, hasMore: BigInt(target) < head };
}

/**
 * The rows of every table that holds an entity the reader reads, as one stream ordered by sequence or by
 * (uai, id): establishments, establishment records (one select per table), records of territories and the nation.
 */
async function unionRows(
  db: Kysely<Database>,
  reader: ChangeReader,
  /** Records announced as leaving: still active, they need a tombstone made now. */
  tombstones: boolean,
  limit: number,
  order: 'seq' | 'key',
  refine: Selector,
): Promise<ChangeRow[]> {
  const selects: SelectQueryBuilder<Database, any, object>[] = [];
  const byTable = new Map<string, EntityDescriptor[]>();
  for (const entity of reader.entities) byTable.set(entity.storage.table, [...(byTable.get(entity.storage.table) ?? []), entity]);
  for (const [table, held] of byTable) {
    if (isDerived(held[0])) {
      // Derived records keep no rendering and call their session's status `status`: read through a view of
      // them with the feed's columns, whose conditions the planner pushes into the table's own.
      let select = db.selectFrom(derivedFeedRows(db, held[0].name, tombstones).as('d')).selectAll() as SelectQueryBuilder<Database, any, object>;
      if (reader.uai !== undefined) select = select.where(sql.ref('uai'), '=', reader.uai);
      selects.push(refine('records')(select));
      continue;
    }
    const { shared } = held[0].storage;
    const kind = held[0].belongsTo !== 'establishment' ? 'shared' : table === 'establishment' ? 'establishment' : 'records';
    if (kind === 'shared' && reader.uai !== undefined) continue;
    const owner = kind === 'shared' ? sql<string | null>`null::text` : sql<string>`uai`;
    const entity = shared ? sql<string>`entity` : sql<string>`${held[0].name}::text`;
    const projections = new Map(held.map((e) => [e.name, reader.projections.get(e.name) ?? { kind: 'minimal' as const }]));
    const record = tombstones ? tombstoneJson(reader.hiddenSources) : renderedRecord(shared ? projections : projections.get(held[0].name)!);
    let select = db.selectFrom(table as 'roster_record')
      .select([entity.as('entity'), 'id', owner.as('uai'), 'status', 'seq', record.as('record')]) as SelectQueryBuilder<Database, any, object>;
    if (shared) select = select.where(sql.ref('entity'), 'in', held.map((e) => e.name));
    if (reader.uai !== undefined) select = select.where(sql.ref('uai'), '=', reader.uai);
    selects.push(refine(kind)(select));
  }
  if (selects.length === 0) return [];
  let query = selects.slice(1).reduce((union, select) => union.unionAll(select as any), selects[0]) as any;
  query = order === 'seq' ? query.orderBy('seq') : query.orderBy('uai').orderBy('id');
  return (await query.limit(limit).execute()) as ChangeRow[];
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
