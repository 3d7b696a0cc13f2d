// Which establishments a perimeter covers, on records in memory (before they are written), and who asks about
// jobs. The same tests as SQL predicates are in store/reads/visibility.ts.
import type { PerimeterEntry } from './perimeter.js';

/** Where an establishment is: a territory code it does not have (yet) is no territory's. */
export interface EstablishmentPlace {
  uai: string;
  communeCode?: string;
  departementCode?: string;
  regionCode?: string;
  academieCode?: string;
  type?: string;
}

/** The same test as coversEstablishment, on an establishment record in memory (before it is written). */
export function perimeterCovers(perimeter: readonly PerimeterEntry[], establishment: EstablishmentPlace): boolean {
  const codes = {
    uai: establishment.uai, commune: establishment.communeCode, departement: establishment.departementCode,
    region: establishment.regionCode, academie: establishment.academieCode,
  };
  return perimeter.some((entry) => entry.kind === 'national' || (codes[entry.kind] === entry.code
    && (!('types' in entry) || !entry.types?.length || (establishment.type !== undefined && entry.types.includes(establishment.type)))));
}

/** Who asks about sync jobs: the client, its current perimeter, and whether it holds `admin`. */
export interface JobViewer {
  clientId: string;
  perimeter: readonly PerimeterEntry[];
  admin: boolean;
}
