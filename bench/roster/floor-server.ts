// bench/roster's floors: minimal node:http servers, no framework, no authentication, on a pg pool the size of the
// gateway's (gateway/store/db.ts), each answering the page the gateway answers. Run by bench/roster/run.ts as a
// child process of its own, as the gateway is: `tsx bench/roster/floor-server.ts <spec.json>`.
//   statements   the gateway's own SQL for the page, replayed (perimeter check and page in one statement), its audit
//                entry through the gateway's group commit, the rows parsed and the page written with JSON.stringify;
//   one-by-one   a perimeter check, the page, and an audit INSERT committed per read: three statements, as a
//                plain server would send them, with JSON.stringify;
//   round-trip   one trivial round trip (select 1), then the page's bytes as the gateway sent them.
import fs from 'node:fs';
import http from 'node:http';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { groupCommitAudit, type AuditEntry } from '../../gateway/store/audit.js';
import type { Database } from '../../gateway/store/tables.js';

export interface Statement { sql: string; parameters: readonly unknown[] }

export interface FloorSpec {
  mode: 'statements' | 'one-by-one' | 'round-trip';
  databaseUrl: string;
  /** Where the page's statement goes when not to `databaseUrl` (a streaming replica); the audit goes to `databaseUrl`. */
  readDatabaseUrl?: string;
  schema: string;
  port: number;
  /** The gateway's statement for the page (statements). */
  page: Statement;
  /** The perimeter check, the page and the audit insert as three statements (one-by-one). */
  oneByOne: { check: Statement; page: Statement; audit: Statement };
  audit: AuditEntry;
  /** The gateway's response body (round-trip). */
  body: string;
  changeCursor: string;
}

const POOL_SIZE = 20; // as gateway/store/db.ts

interface PageRow { key: string | null; record: string | null }

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as FloorSpec;
  const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: POOL_SIZE, options: `-c search_path="${spec.schema}"` });
  const reads = spec.readDatabaseUrl ? new pg.Pool({ connectionString: spec.readDatabaseUrl, max: POOL_SIZE, options: `-c search_path="${spec.schema}"` }) : pool;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const audit = groupCommitAudit(db);
  const query = (statement: Statement) => pool.query(statement.sql, statement.parameters as unknown[]);
  const pageJson = (rows: PageRow[]) => JSON.stringify({
    data: rows.filter((r) => r.key !== null).slice(0, 100).map((r) => JSON.parse(r.record!)), next: null, changeCursor: spec.changeCursor,
  });

  const answer: Record<FloorSpec['mode'], () => Promise<string>> = {
    statements: async () => {
      const { rows } = await reads.query(spec.page.sql, spec.page.parameters as unknown[]);
      await audit.record([{ ...spec.audit, count: Math.min(rows.length, 100) }]);
      return pageJson(rows as PageRow[]);
    },
    'one-by-one': async () => {
      const check = await query(spec.oneByOne.check);
      if (check.rows[0]?.uai === null) throw new Error('establishment not visible');
      const { rows } = await query(spec.oneByOne.page);
      await query(spec.oneByOne.audit);
      return pageJson(rows as PageRow[]);
    },
    'round-trip': async () => {
      await pool.query('select 1');
      return spec.body;
    },
  };
  const server = http.createServer((_req, res) => {
    answer[spec.mode]().then((body) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }, (error: Error) => {
      res.writeHead(500).end(error.message);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(spec.port, '127.0.0.1', () => process.send?.('ready'));
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void audit.close().then(() => Promise.all([pool.end(), reads === pool ? undefined : reads.end()])).then(() => process.exit(0));
  });
}

void main();
