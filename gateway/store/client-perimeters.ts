// The perimeter an API client holds now, as its record says: what the work it asked for may read and write.
import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

/** The perimeter entries of an active client, as stored; undefined for a client that is revoked or unknown. */
export async function activeClientPerimeter(db: Kysely<Database>, clientId: string): Promise<string[] | undefined> {
  const client = await db.selectFrom('api_client').select('perimeter').where('client_id', '=', clientId).where('status', '=', 'active').executeTakeFirst();
  return client?.perimeter;
}
