// The communes of France (INSEE's geographic code of the year, as @etalab/decoupage-administratif ships it): how
// an establishment that only a roster source has described gets its commune code from its postal address,
// before the national directory tells it. Loaded on first use only (a few MB of JSON), then kept as two indexes.
import { createRequire } from 'node:module';
import { placeKey } from './territories.js';

interface CommuneEntry {
  code: string;
  nom: string;
  type: string;
  departement: string;
  codesPostaux?: string[];
}

export interface Commune {
  communeCode: string;
  communeName: string;
}

let indexes: { byPostalCode: Map<string, Commune[]>; byTown: Map<string, Commune[]> } | undefined;

/** `ST ETIENNE` and `Saint-Étienne` are one town; `LYON CEDEX 03` is Lyon. */
export function townKey(town: string): string {
  return placeKey(town).replace(/_CEDEX(_[0-9]+)?$/, '').replace(/(^|_)STE(?=_|$)/g, '$1SAINTE').replace(/(^|_)ST(?=_|$)/g, '$1SAINT');
}

/** `004` and `02A` as the table writes them: `04`, `2A`; overseas codes stay on three digits. */
const tableDepartement = (departementCode: string) => (departementCode.startsWith('0') ? departementCode.slice(1) : departementCode);

function load(): NonNullable<typeof indexes> {
  if (indexes) return indexes;
  const entries = createRequire(import.meta.url)('@etalab/decoupage-administratif/data/communes.json') as CommuneEntry[];
  const byPostalCode = new Map<string, Commune[]>();
  const byTown = new Map<string, Commune[]>();
  const add = (map: Map<string, Commune[]>, key: string, commune: Commune) => map.set(key, [...(map.get(key) ?? []), commune]);
  // Only communes as they are now: former (délégué, associé) communes and Paris', Lyon's and Marseille's
  // arrondissements are no establishment's commune in the national directory.
  for (const entry of entries) {
    if (entry.type !== 'commune-actuelle') continue;
    const commune = { communeCode: entry.code, communeName: entry.nom };
    for (const postalCode of entry.codesPostaux ?? []) add(byPostalCode, postalCode, commune);
    add(byTown, `${entry.departement}|${townKey(entry.nom)}`, commune);
  }
  indexes = { byPostalCode, byTown };
  return indexes;
}

/**
 * The one commune a postal address designates: the commune of that postal code whose name is the town's, or the
 * postal code's only commune; without a postal code, the département's commune of that name. Undefined when the
 * address is ambiguous or unknown (a CEDEX code, a misspelt town): the national directory will tell.
 */
export function communeOfAddress(address: { postalCode?: string; town?: string; departementCode?: string }): Commune | undefined {
  const { byPostalCode, byTown } = load();
  const town = address.town ? townKey(address.town) : undefined;
  if (address.postalCode) {
    const candidates = byPostalCode.get(address.postalCode) ?? [];
    const named = town ? candidates.filter((c) => townKey(c.communeName) === town) : [];
    if (named.length === 1) return named[0];
    if (candidates.length === 1) return candidates[0];
  }
  if (town && address.departementCode) {
    const candidates = byTown.get(`${tableDepartement(address.departementCode)}|${town}`) ?? [];
    if (candidates.length === 1) return candidates[0];
  }
  return undefined;
}
