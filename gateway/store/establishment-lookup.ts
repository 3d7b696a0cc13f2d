// Whether the store holds an establishment at all, whatever its status: for commands that name one by UAI.
// TODO: fold into establishments.ts once its rewrite (issue 13) has landed.
import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

export async function isStoredEstablishment(db: Kysely<Database>, uai: string): Promise<boolean> {
  return (await db.selectFrom('establishment').select('uai').where('uai', '=', uai).executeTakeFirst()) !== undefined;
}
