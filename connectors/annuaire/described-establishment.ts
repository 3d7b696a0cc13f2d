// An establishment as a roster source describes it (AAF's EtabEducNat, STS-Web's PARAMETRES/UAJ, ONDE's école),
// placed in its territory as far as its UAI and postal address tell: the département from the UAI (or else the
// postal code), the académie and région from the département (or else the académie the source names), the
// commune from the postal code and town. What the source does not tell is left out, for the store to keep
// what it has or for the national directory to complete.
import type { SourcePosition } from '../kit/problem.js';
import type { Commune } from './communes.js';
import { departementOfPostalCode, departementOfUai, territoryOf } from './territories.js';

export type EstablishmentType = 'ecole' | 'college' | 'lycee' | 'lycee-pro' | 'erea' | 'other';

export interface EstablishmentDescription {
  uai: string;
  /** The source's name and its identifier of the establishment (`aaf` → the structure's jointure). */
  source: string;
  sourceId: string;
  name?: string;
  type?: EstablishmentType;
  sector?: 'public' | 'private';
  address?: { street?: string; postalCode?: string; town?: string };
  /** The académie the source names, for a UAI whose département is no real one (test feeds). */
  academieCode?: string;
  position: SourcePosition;
}

/** Where a description puts the establishment: département (when told) and the places derived from it. */
export function placeOf(description: EstablishmentDescription): { departementCode?: string; academieCode?: string } {
  const departementCode = departementOfUai(description.uai) ??
    (description.address?.postalCode ? departementOfPostalCode(description.address.postalCode) : undefined);
  return { ...(departementCode ? { departementCode } : {}), ...(description.academieCode ? { academieCode: description.academieCode } : {}) };
}

/**
 * The establishment record a description gives (only the fields it tells), with the commune when one was found
 * (by the store's national directory or the postal address).
 */
export function describedRecord(description: EstablishmentDescription, commune: Commune | undefined): Record<string, unknown> {
  const place = placeOf(description);
  const territory = territoryOf(place.departementCode, place.academieCode);
  const address = Object.fromEntries(Object.entries(description.address ?? {}).filter(([, v]) => v));
  return {
    uai: description.uai,
    sourceIds: { [description.source]: description.sourceId },
    ...(description.name ? { name: description.name } : {}),
    ...(description.type ? { type: description.type } : {}),
    ...(description.sector ? { sector: description.sector } : {}),
    ...(Object.keys(address).length ? { address } : {}),
    ...(territory ?? {}),
    ...(commune ? { communeCode: commune.communeCode, communeName: commune.communeName } : {}),
  };
}

/**
 * The type of an establishment from its label (AAF's `ENTStructureTypeStruct`: `CLG`, `LYCEE PROFESSIONNEL`,
 * `ECOLE ELEMENTAIRE`) or its BCN nature code (STS-Web's `CODE_NATURE`: 1xx écoles, 300-319 lycées, 320-339
 * lycées professionnels, 340-369 collèges, 370 EREA). Undefined when it tells none (`SANS OBJET`).
 */
export function establishmentTypeOf(label: string | undefined): EstablishmentType | undefined {
  const text = (label ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().trim();
  if (/^[0-9]{3}$/.test(text)) {
    const nature = Number(text);
    if (nature >= 100 && nature < 200) return 'ecole';
    if (nature >= 300 && nature < 320) return 'lycee';
    if (nature >= 320 && nature < 340) return 'lycee-pro';
    if (nature >= 340 && nature < 370) return 'college';
    if (nature === 370) return 'erea';
    return undefined;
  }
  if (/^(ECOLE|EC\b|EPU|EMPU|EEPU|EMPR|EEPR|EPPR)/.test(text)) return 'ecole';
  if (/^(CLG|COLLEGE)/.test(text)) return 'college';
  if (/^(LP\b|LYCEE PRO)/.test(text)) return 'lycee-pro';
  if (/^(LYC|LGT|LEGT|LPO\b|LG\b|LT\b)/.test(text)) return 'lycee';
  if (/^EREA/.test(text)) return 'erea';
  return undefined;
}
