// The change feed: what changed in the caller's perimeter after a cursor, in commit order, each record once
// in its latest state (deletions as tombstones). When the caller's visibility changes (its perimeter was
// edited, an establishment moved territory or opened), the feed first catches up to the new visibility:
// changes seen by both, then deletions for what left, then the current state of what entered, so that a
// replay always ends equal to what the caller may see now.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import { readableEntities, renderingFor } from '../../perimeter/projection.js';
import { renderedRecord, tombstoneJson } from '../../store/record-shape.js';
import { coversEstablishment, visibilityMayHaveChanged, visibleUaisAt } from '../../perimeter/visibility.js';
import { committedSequence } from '../../store/changelog.js';
import type { Database } from '../../store/tables.js';
import type { ChangeCursor, Phase } from './cursor.js';
import { CursorAhead } from './cursor-ahead.js';

export interface ChangeRow {
  entity: string;
  id: string;
  uai: string;
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

type Selector = (kind: 'establishment' | 'roster') => (qb: SelectQueryBuilder<Database, any, object>) => SelectQueryBuilder<Database, any, object>;

export async function readChanges(access: ScopedAccess, cursor: ChangeCursor, limit: number): Promise<ChangePage> {
  const db = access.db;
  const entities = readableEntities(access.caller.scopes).filter((e) => e !== 'establishment');
  const rendering = renderingFor(access.caller.scopes);
  const from = BigInt(cursor.s);
  const head = await committedSequence(db);
  if (from > head) throw new CursorAhead();

  if (cursor.t === undefined) {
    if (from === head) return { entries: [], cursor, hasMore: false };
    if (await visibilityMayHaveChanged(db, access.caller.clientId, from, head)) {
      const [before, after] = await Promise.all([
        visibleUaisAt(db, access.caller.clientId, from),
        visibleUaisAt(db, access.caller.clientId, head),
      ]);
      if (!sameSet(before, after)) return catchUp(access, entities, rendering, { s: cursor.s, t: String(head), p: 'changes' }, limit, before, after);
    }
    // Visibility is unchanged: plain changes in (from, head] within the current perimeter.
    const visible = (eb: any) => coversEstablishment(eb, access.perimeter);
    const rows = await unionRows(db, entities, rendering, false, limit + 1, 'seq', (kind) => (qb) => {
      let q = qb.where('seq', '>', String(from)).where('seq', '<=', String(head));
      q = kind === 'establishment'
        ? q.where('status', '=', 'active').where(visible)
        : q.where('uai', 'in', db.selectFrom('establishment').select('uai').where('status', '=', 'active').where(visible));
      return q;
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
  const [before, after] = await Promise.all([
    visibleUaisAt(db, access.caller.clientId, from),
    visibleUaisAt(db, access.caller.clientId, BigInt(cursor.t)),
  ]);
  return catchUp(access, entities, rendering, cursor, limit, before, after);
}

async function catchUp(
  access: ScopedAccess,
  entities: string[],
  rendering: 'full' | 'minimal',
  cursor: ChangeCursor,
  limit: number,
  before: Set<string>,
  after: Set<string>,
): Promise<ChangePage> {
  const db = access.db;
  const target = cursor.t!;
  // The cursor may be old: a catch-up begun under a wider perimeter sends nothing the caller may no longer see
  // (that is announced as leaving by the catch-up that follows this one).
  const visibleNow = new Set((await access.establishments().select('establishment.uai').execute()).map((r) => r.uai));
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
      rows = both.length === 0 ? [] : await unionRows(db, entities, rendering, false, room + 1, 'seq', () => (qb) =>
        qb.where('seq', '>', since).where('seq', '<=', target).where(sql<boolean>`uai = any(${both}::text[])`));
    } else {
      const uais = phase === 'leave' ? leaving : entering;
      rows = uais.length === 0 ? [] : await unionRows(db, entities, rendering, phase === 'leave', room + 1, 'key', () => (qb) => {
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

/** Establishments and roster records as one stream of rows, ordered by sequence or by (uai, id). */
async function unionRows(
  db: Kysely<Database>,
  entities: string[],
  render: 'full' | 'minimal',
  /** Records announced as leaving: still active, they need a tombstone made now. */
  tombstones: boolean,
  limit: number,
  order: 'seq' | 'key',
  refine: Selector,
): Promise<ChangeRow[]> {
  const columns = ['id', 'uai', 'status', 'seq', (tombstones ? tombstoneJson(render) : renderedRecord(render)).as('record')] as const;
  const establishments = refine('establishment')(
    db.selectFrom('establishment').select([sql<string>`'establishment'`.as('entity'), ...columns]) as any,
  );
  let query = establishments as any;
  if (entities.length) {
    const records = refine('roster')(
      db.selectFrom('roster_record').select(['entity', ...columns]).where('entity', 'in', entities) as any,
    );
    query = query.unionAll(records);
  }
  query = order === 'seq' ? query.orderBy('seq') : query.orderBy('uai').orderBy('id');
  return (await query.limit(limit).execute()) as ChangeRow[];
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
