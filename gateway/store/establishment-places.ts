// Where establishments are (their territories): which destinations an establishment's export goes to, which
// establishments a scheduled push covers, and which territories contain an establishment (perimeter/containment.ts).
import type { Kysely } from 'kysely';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { establishmentsCoveredBy } from './reads/visibility.js';
import type { Database } from './tables.js';

export interface StoredPlace {
  uai: string;
  communeCode: string | null;
  departementCode: string | null;
  regionCode: string | null;
  academieCode: string | null;
  type: string;
}

/** Establishments' territories (active or not), for those the store holds. */
export async function establishmentPlaces(db: Kysely<Database>, uais: readonly string[]): Promise<StoredPlace[]> {
  if (uais.length === 0) return [];
  return db.selectFrom('establishment')
    .select(['uai', 'commune_code as communeCode', 'departement_code as departementCode', 'region_code as regionCode', 'academie_code as academieCode', 'type'])
    .where('uai', 'in', [...uais]).execute();
}

/** An establishment's territories (active or not); undefined when the store does not know it. */
export async function establishmentPlace(db: Kysely<Database>, uai: string): Promise<StoredPlace | undefined> {
  return (await establishmentPlaces(db, [uai]))[0];
}

/** The UAIs of the active establishments a perimeter covers, in order. */
export async function activeEstablishmentsCovered(db: Kysely<Database>, perimeter: readonly PerimeterEntry[]): Promise<string[]> {
  const rows = await establishmentsCoveredBy(db, perimeter).select('establishment.uai').orderBy('establishment.uai').execute();
  return rows.map((row) => row.uai);
}
