// bench/occupancy: where an occupancy answer's time goes, in this process, through the gateway's own code (no
// HTTP): the statements it sends, captured for the floors; and, timed apart, reading the sources (SQL and their
// assembly, perimeter/occupancy-scope.ts), computing the rates (feeds/occupancy/plans.ts) and JSON.stringify.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Scope } from '../../gateway/auth/scopes.js';
import { occupancyOf } from '../../gateway/feeds/occupancy/plans.js';
import { ScopedAccess } from '../../gateway/perimeter/scoped-access.js';
import { findActiveClientRow } from '../../gateway/store/api-clients.js';
import type { Database } from '../../gateway/store/tables.js';
import { busyIntervals, roomsOf } from '../../gateway/store/timetable/occupancy-reads.js';
import type { Statement } from './floor.js';
import { percentile } from './figures.js';

export interface Stages {
  /** Reading the sources: the statements, their rows parsed, rooms and intervals assembled. */
  readMs: number;
  /** The rates of every establishment (occupancyOf). */
  computeMs: number;
  jsonMs: number;
  bytes: number;
  establishments: number;
  intervals: number;
}

function loggingDb(databaseUrl: string, schema: string, statements?: Statement[]): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20, options: `-c search_path="${schema}"` });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void statements?.push(event.query) });
}

/** The gateway's statements reading the rooms and the busy intervals of `uais` from `from` to `to` (occupancy-reads.ts). */
export async function capturedStatements(databaseUrl: string, schema: string, uais: readonly string[], from: string, to: string): Promise<Statement[]> {
  const statements: Statement[] = [];
  const db = loggingDb(databaseUrl, schema, statements);
  try {
    await roomsOf(db, uais);
    await busyIntervals(db, uais, from, to);
    return statements.map(({ sql, parameters }) => ({ sql, parameters }));
  } finally {
    await db.destroy();
  }
}

/**
 * The median of `runs` timings of each stage of an occupancy answer: of one establishment (`uai`) or of the
 * client's whole perimeter, as routes.ts computes them.
 */
export async function stagesOf(databaseUrl: string, schema: string, clientId: string, target: { uai: string } | 'perimeter', from: string, to: string, runs: number): Promise<Stages> {
  const db = loggingDb(databaseUrl, schema);
  try {
    const row = await findActiveClientRow(db, clientId);
    if (!row) throw new Error(`no client ${clientId}`);
    const caller = {
      clientId, scopes: new Set(row.scopes as Scope[]), perimeter: row.perimeter as string[], version: row.version, tokenScopes: row.scopes as string[],
    };
    const taken: Stages[] = [];
    for (let run = 0; run <= runs; run += 1) {
      const access = new ScopedAccess(db, caller, async () => caller, { record: async () => {}, close: async () => {} }, 'bench');
      const t0 = performance.now();
      const sources = target === 'perimeter'
        ? await access.occupancy().perimeter(from, to)
        : [await access.occupancy().establishment(target.uai, from, to)];
      const t1 = performance.now();
      const occupancies = sources.map((source) => ({ name: source.name, type: source.type, ...occupancyOf(source, from, to) }));
      const t2 = performance.now();
      const body = JSON.stringify(target === 'perimeter' ? { from, to, data: occupancies } : occupancies[0]);
      const t3 = performance.now();
      const intervals = sources.reduce((n, s) => n + s.rooms.reduce((m, r) => m + r.busy.length, 0), 0);
      // The first run warms the JIT and the pool up.
      if (run > 0) taken.push({ readMs: t1 - t0, computeMs: t2 - t1, jsonMs: t3 - t2, bytes: Buffer.byteLength(body), establishments: sources.length, intervals });
    }
    const median = (pick: (s: Stages) => number) => percentile(taken.map(pick), 0.5);
    return { ...taken[0], readMs: median((s) => s.readMs), computeMs: median((s) => s.computeMs), jsonMs: median((s) => s.jsonMs) };
  } finally {
    await db.destroy();
  }
}
