// Where establishments are (their territories), for the sync configuration's pushes: which destinations an
// establishment's export goes to, and which establishments a scheduled push covers.
import type { Kysely } from 'kysely';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { coversEstablishment } from './reads/visibility.js';
import type { Database } from './tables.js';

export interface StoredPlace {
  uai: string;
  communeCode: string | null;
  departementCode: string | null;
  regionCode: string | null;
  academieCode: string | null;
}

/** An establishment's territories (active or not); undefined when the store does not know it. */
export async function establishmentPlace(db: Kysely<Database>, uai: string): Promise<StoredPlace | undefined> {
  return db.selectFrom('establishment')
    .select(['uai', 'commune_code as communeCode', 'departement_code as departementCode', 'region_code as regionCode', 'academie_code as academieCode'])
    .where('uai', '=', uai).executeTakeFirst();
}

/** The UAIs of the active establishments a perimeter covers, in order. */
export async function activeEstablishmentsCovered(db: Kysely<Database>, perimeter: readonly PerimeterEntry[]): Promise<string[]> {
  const rows = await db.selectFrom('establishment').select('uai').where('status', '=', 'active')
    .where((eb) => coversEstablishment(eb, perimeter)).orderBy('uai').execute();
  return rows.map((row) => row.uai);
}
