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
  // Each outer entry by its territory (`departement:069`), with the types it is narrowed to, if any.
  const held = new Map<string, (readonly string[] | undefined)[]>();
  for (const entry of outer) {
    const place = formatPerimeterEntry({ ...entry, types: undefined } as PerimeterEntry);
    held.set(place, [...(held.get(place) ?? []), 'types' in entry ? entry.types : undefined]);
  }
  const parsed = perimeters.map((perimeter) => parsePerimeter(perimeter));
  const uais = [...new Set(parsed.flat().flatMap((entry) => (entry.kind === 'uai' ? [entry.code] : [])))];
  const places = new Map<string, string[]>();
  const typeOf = new Map<string, string>();
  for (const row of await establishmentPlaces(db, uais)) {
    typeOf.set(row.uai, row.type);
    places.set(row.uai, [
      ...(row.communeCode ? [`commune:${row.communeCode}`] : []),
      ...(row.departementCode ? [`departement:${row.departementCode}`] : []),
      `academie:${row.academieCode}`,
      `region:${row.regionCode}`,
    ]);
  }
  const enclosing = (entry: PerimeterEntry): string[] => {
    const self = formatPerimeterEntry({ ...entry, types: undefined } as PerimeterEntry);
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
  // The types an entry covers: a UAI's establishment's, a narrowed territory's, or every type (undefined).
  const typesOf = (entry: PerimeterEntry): readonly string[] | undefined => {
    if (entry.kind === 'uai') return typeOf.has(entry.code) ? [typeOf.get(entry.code)!] : undefined;
    return 'types' in entry ? entry.types : undefined;
  };
  const narrowedEnough = (inner: readonly string[] | undefined, outerTypes: readonly string[] | undefined) =>
    outerTypes === undefined || (inner !== undefined && inner.every((type) => outerTypes.includes(type)));
  return parsed.map((perimeter) => perimeter.length > 0 && perimeter.every((entry) => enclosing(entry)
    .some((place) => (held.get(place) ?? []).some((outerTypes) => narrowedEnough(typesOf(entry), outerTypes)))));
}

/** A département and the académie and région it belongs to (just itself when the tables do not know it). */
function enclosingDepartement(code: string): string[] {
  const territory = territoryOf(code, undefined);
  return [`departement:${code}`, ...(territory ? [`academie:${territory.academieCode}`, `region:${territory.regionCode}`] : [])];
}

