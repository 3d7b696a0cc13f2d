// Table `oidc_payload`: what oidc-provider persists (grants, codes, sessions, replay detection…), one row per
// model and id (gateway/auth/adapter.ts adapts it to oidc-provider). Expired rows are never returned.
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface OidcPayloadRow {
  model: string;
  id: string;
  payload: unknown;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Date | null;
}

/** Writes the payload whole, consumption included, as oidc-provider's own adapter does. */
export async function upsertOidcPayload(db: Kysely<Database>, row: OidcPayloadRow): Promise<void> {
  const values = { ...row, payload: JSON.stringify(row.payload), consumed_at: null };
  await db
    .insertInto('oidc_payload')
    .values(values)
    .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
    .execute();
}

/** The unexpired payload of the model whose `column` is `value`, and when it was consumed. */
export function findOidcPayload(
  db: Kysely<Database>,
  model: string,
  column: 'id' | 'user_code' | 'uid',
  value: string,
): Promise<{ payload: unknown; consumed_at: Date | null } | undefined> {
  return db
    .selectFrom('oidc_payload')
    .select(['payload', 'consumed_at'])
    .where('model', '=', model)
    .where(column, '=', value)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
}

/** Removes the unexpired payload and returns it: of two concurrent takers, one only gets it. */
export async function takeOidcPayload(db: Kysely<Database>, model: string, id: string): Promise<unknown> {
  const row = await db.deleteFrom('oidc_payload')
    .where('model', '=', model)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .returning('payload')
    .executeTakeFirst();
  return row?.payload;
}

export async function consumeOidcPayload(db: Kysely<Database>, model: string, id: string): Promise<void> {
  await db.updateTable('oidc_payload').set({ consumed_at: sql`now()` }).where('model', '=', model).where('id', '=', id).execute();
}

export async function deleteOidcPayload(db: Kysely<Database>, model: string, id: string): Promise<void> {
  await db.deleteFrom('oidc_payload').where('model', '=', model).where('id', '=', id).execute();
}

/** Removes everything issued under a grant, whatever its model (codes, access and refresh tokens). */
export async function deleteOidcPayloadsOfGrant(db: Kysely<Database>, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
}

/** Deletes payloads that expired more than `graceSeconds` ago; returns how many. Reads already ignore them. */
export async function deleteExpiredOidcPayloads(db: Kysely<Database>, graceSeconds = 60): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payload')
    .where('expires_at', '<', sql<Date>`now() - make_interval(secs => ${graceSeconds})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
