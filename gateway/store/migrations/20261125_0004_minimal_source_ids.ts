// ONDE's source ids are INEs: records written before they were left out of the minimal rendering get one
// without them (model/identifying.ts). Rendered here by the database, so its key order and spacing are
// PostgreSQL's; the next write of each record renders it as the gateway does. No down: putting INEs back where
// they should never have been serves nothing.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update roster_record
    set body_minimal = (coalesce(body_minimal, body)::jsonb || jsonb_build_object('sourceIds', source_ids - 'onde'))::text
    where source_ids ? 'onde'`.execute(db);
}
