// Levels come on one vocabulary (connectors/kit/levels.ts): `3EME`, `3E` and an MEF code stored side by side
// become `3E`, the source's own code kept in `levelSource`; a code the vocabulary does not know keeps only its
// `levelSource`. Each record changed is announced in the change log, so that consumers of the feed get it.
// (This reads the normalisation as it is when the migration runs: it only ever learns codes, never unlearns one.)
import { sql, type Kysely } from 'kysely';
import { LEVELS, normaliseLevel } from '../../../connectors/kit/levels.js';

interface Row {
  id: string;
  data: Record<string, unknown>;
}

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<Row>`
    select id, data from roster_record
    where entity in ('group', 'person') and data ? 'level' and not (data->>'level' = any(${[...LEVELS]}::text[]))`.execute(db);
  if (rows.length === 0) return;
  const { rows: [counter] } = await sql<{ seq: string }>`update change_counter set seq = seq + ${rows.length} where id = 1 returning seq`.execute(db);
  const first = BigInt(counter.seq) - BigInt(rows.length) + 1n;
  const updatedAt = new Date();
  for (const [i, row] of rows.entries()) {
    const source = String(row.data.levelSource ?? row.data.level);
    const level = normaliseLevel(String(row.data.level));
    const patch = JSON.stringify({ levelSource: source, ...(level ? { level } : {}) });
    const shown = JSON.stringify({ levelSource: source, ...(level ? { level } : {}), updatedAt: updatedAt.toISOString() });
    const seq = String(first + BigInt(i));
    await sql`
      update roster_record set
        data = (data - 'level') || ${patch}::jsonb,
        body = ((body::jsonb - 'level') || ${shown}::jsonb)::text,
        body_minimal = case when body_minimal is null then null else ((body_minimal::jsonb - 'level') || ${shown}::jsonb)::text end,
        seq = ${seq}::int8, updated_at = ${updatedAt}
      where id = ${row.id}::uuid`.execute(db);
    await sql`
      insert into change_log (seq, entity, record_id, uai, op, changed_at)
      select ${seq}::int8, entity, id, uai, 'upsert', ${updatedAt} from roster_record where id = ${row.id}::uuid`.execute(db);
  }
}
