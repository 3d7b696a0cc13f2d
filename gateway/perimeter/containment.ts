// Whether a perimeter lies within another, for all time: what an admin client may hand to the clients it
// manages. A territory lies in those that always contain it (a commune in its département, a département in
// its académie and région), never in one that only happens to hold the same establishments today; a UAI lies
// where its establishment record is.
import type { Kysely } from 'kysely';
import { departementOfCommune, territoryOf } from '../../connectors/annuaire/territories.js';
import { establishmentPlaces } from '../store/establishment-places.js';
import type { Database } from '../store/tables.js';
import { formatPerimeterEntry, parsePerimeter, type PerimeterEntry } from './perimeter.js';

/**
 * For each perimeter (stored entries), whether every entry lies within `outer`. An empty perimeter lies only
 * within a national one: a client that sees nothing yet may become anyone's.
 */
export async function perimetersWithin(
  db: Kysely<Database>,
  outer: readonly PerimeterEntry[],
  perimeters: readonly (readonly string[])[],
): Promise<boolean[]> {
  if (outer.some((entry) => entry.kind === 'national')) return perimeters.map(() => true);
  const held = new Set(outer.map(formatPerimeterEntry));
  const parsed = perimeters.map((perimeter) => parsePerimeter(perimeter));
  const uais = [...new Set(parsed.flat().flatMap((entry) => (entry.kind === 'uai' ? [entry.code] : [])))];
  const places = new Map<string, string[]>();
  for (const row of await establishmentPlaces(db, uais)) {
    places.set(row.uai, [
      ...(row.communeCode ? [`commune:${row.communeCode}`] : []),
      ...(row.departementCode ? [`departement:${row.departementCode}`] : []),
      `academie:${row.academieCode}`,
      `region:${row.regionCode}`,
    ]);
  }
  const enclosing = (entry: PerimeterEntry): string[] => {
    const self = formatPerimeterEntry(entry);
    switch (entry.kind) {
      case 'uai':
        return [self, ...(places.get(entry.code) ?? [])];
      case 'commune':
        return [self, ...enclosingDepartement(departementOfCommune(entry.code))];
      case 'departement':
        return enclosingDepartement(entry.code);
      case 'academie': {
        const region = territoryOf(undefined, entry.code)?.regionCode;
        return [self, ...(region ? [`region:${region}`] : [])];
      }
      default:
        return [self];
    }
  };
  return parsed.map((perimeter) =>
    perimeter.length > 0 && perimeter.every((entry) => enclosing(entry).some((place) => held.has(place))));
}

/** A département and the académie and région it belongs to (just itself when the tables do not know it). */
function enclosingDepartement(code: string): string[] {
  const territory = territoryOf(code, undefined);
  return [`departement:${code}`, ...(territory ? [`academie:${territory.academieCode}`, `region:${territory.regionCode}`] : [])];
}

