// bench/roster's floors, seen from the bench: the statements the gateway sends for the page, captured from its own
// query code, and the floor servers (floor-server.ts) that replay them, each in a process of its own as the
// gateway is (bench/roster and bench/scale).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { entityNamed } from '../../gateway/model/registry.js';
import { ScopedAccess } from '../../gateway/perimeter/scoped-access.js';
import { findActiveClientRow } from '../../gateway/store/api-clients.js';
import type { AuditEntry } from '../../gateway/store/audit.js';
import type { Database } from '../../gateway/store/tables.js';
import type { FloorSpec, Statement } from './floor-server.js';

/**
 * The statements the gateway sends for a 100-person page of `uai` (the perimeter check is in the page's
 * statement; the audit entry goes to the group commit), and the same work as three plain statements.
 */
export async function capturedStatements(databaseUrl: string, schema: string, uai: string, clientId: string): Promise<Pick<FloorSpec, 'page' | 'oneByOne' | 'audit'>> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: `-c search_path=${schema}` });
  const statements: Statement[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void statements.push(event.query) });
  try {
    const row = await findActiveClientRow(db, clientId);
    const caller = { clientId, scopes: new Set(['roster.read'] as const), perimeter: ['national'], version: row!.version, tokenScopes: ['roster.read'] };
    let audit: AuditEntry | undefined;
    const access = new ScopedAccess(db, caller, async () => caller, { record: async ([entry]) => void (audit = entry), close: async () => {} }, 'bench');
    const { position } = await access.establishment(uai).read();
    const [check] = statements.splice(0);
    await access.establishment(uai).list(entityNamed('person'), {}, {}, {
      limit: 100, after: undefined, asOf: undefined, includeDeleted: false, updatedSince: undefined, withTotal: false,
    });
    const [page] = statements;
    return {
      page,
      audit: audit!,
      oneByOne: {
        check,
        page: {
          sql: `select id::text as key, seq::text as seq, coalesce(body_minimal, body) as record from roster_record
                where uai = $1 and entity = 'person' and seq <= $2 and status = 'active' order by id limit 101`,
          parameters: [uai, position],
        },
        audit: { sql: 'insert into audit_log (client_id, uai, entity, count, request_id) values ($1, $2, $3, $4, $5)', parameters: [clientId, uai, 'person', 100, 'bench'] },
      },
    };
  } finally {
    await db.destroy();
  }
}

/** A floor server in a process of its own, answering once it listens. */
export async function startFloor(spec: FloorSpec): Promise<ChildProcess> {
  const specFile = path.join(os.tmpdir(), `bench-roster-floor-${process.pid}-${spec.port}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/roster/floor-server.ts', specFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  return child;
}
