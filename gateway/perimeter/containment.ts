// Whether a perimeter lies within another, for all time: what an admin client may hand to the clients it
// manages. A territory lies in those that always contain it (a commune in its département, a département in
// its académie and région), never in one that only happens to hold the same establishments today; a UAI lies
// where its establishment record is.
import type { Kysely } from 'kysely';
import { territoryOf } from '../../connectors/annuaire/territories.js';
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
  if (uais.length) {
    const rows = await db.selectFrom('establishment')
      .select(['uai', 'commune_code', 'departement_code', 'region_code', 'academie_code'])
      .where('uai', 'in', uais)
      .execute();
    for (const row of rows) {
      places.set(row.uai, [
        ...(row.commune_code ? [`commune:${row.commune_code}`] : []),
        ...(row.departement_code ? [`departement:${row.departement_code}`] : []),
        `academie:${row.academie_code}`,
        `region:${row.region_code}`,
      ]);
    }
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

/** The département of an INSEE commune code: `69123` → `069`, `2A004` → `02A`, `97411` → `974`. */
export function departementOfCommune(code: string): string {
  return /^9[78]/.test(code) ? code.slice(0, 3) : `0${code.slice(0, 2)}`;
}
