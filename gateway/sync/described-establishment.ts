// Writes an establishment an import's files describe (AAF's EtabEducNat, STS-Web's UAJ, ONDE's école) before
// its records: created when the store does not know it, updated when the source described it before, and only
// completed (what the store lacks) when the national directory described it. The write is the submitter's: an
// establishment outside its perimeter is refused with a problem that does not tell whether it exists.
import type { Kysely } from 'kysely';
import { communeOfAddress, townKey, type Commune } from '../../connectors/annuaire/communes.js';
import { describedRecord, placeOf, type EstablishmentDescription } from '../../connectors/annuaire/described-establishment.js';
import { SOURCE as DIRECTORY } from '../../connectors/annuaire/parse.js';
import { departementOfCommune } from '../../connectors/annuaire/territories.js';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { directoryCommunes, putEstablishment, storedCommuneCode } from '../store/establishments.js';
import { EstablishmentOutsidePerimeter, EstablishmentRejected } from '../store/write-errors.js';
import type { Database } from '../store/tables.js';

export interface DescribedOutcome {
  /** False when the establishment was refused: its records are to be left out. */
  written: boolean;
  problems: ConnectorProblem[];
}

/** The problem of an establishment the import may not write, whether or not it exists elsewhere. */
export function outsideProblem(uai: string, position: { file: string; line?: number }, field: string): ConnectorProblem {
  return { ...position, field, code: 'establishment-not-allowed', severity: 'error', detail: `establishment ${uai} is outside what this import may write; its records are left out` };
}

/**
 * The commune of the description's town: as the national directory names it in the store, or by the postal
 * address; only one of the département the establishment is placed in (by its UAI), so that an address cannot
 * put a UAI of one département in another's commune, and so inside a perimeter its UAI is not in.
 */
async function communeOf(db: Kysely<Database>, description: EstablishmentDescription): Promise<Commune | undefined> {
  const { departementCode } = placeOf(description);
  const { town, postalCode } = description.address ?? {};
  // Most establishments of a delivery already have theirs, from the directory: the commune table is then not loaded.
  if ((!town && !postalCode) || (await storedCommuneCode(db, description.uai))) return undefined;
  if (town && departementCode) {
    const named = (await directoryCommunes(db, departementCode)).filter((c) => townKey(c.communeName) === townKey(town));
    if (new Set(named.map((c) => c.communeCode)).size === 1) return named[0];
  }
  const commune = communeOfAddress({ ...description.address, departementCode });
  return commune && (!departementCode || departementOfCommune(commune.communeCode) === departementCode) ? commune : undefined;
}

export async function writeDescribedEstablishment(
  db: Kysely<Database>,
  description: EstablishmentDescription,
  options: { perimeter: readonly PerimeterEntry[]; lenientIdentifiers: boolean; field: string },
): Promise<DescribedOutcome> {
  const { uai, position } = description;
  const record = describedRecord(description, await communeOf(db, description));
  try {
    const { outcome } = await putEstablishment(db, record, {
      perimeter: options.perimeter,
      lenientIdentifiers: options.lenientIdentifiers,
      // An establishment first seen takes its UAI as name and "other" as type until a source tells better.
      merge: { deferTo: DIRECTORY, defaults: { name: uai, type: 'other', sector: 'public' } },
    });
    const problems: ConnectorProblem[] = [];
    if (outcome === 'created') {
      const guessed = (['name', 'type', 'sector'] as const).filter((field) => record[field] === undefined);
      const missing = [...guessed, ...(record.communeCode === undefined ? ['commune'] : []), ...(record.departementCode === undefined ? ['département'] : [])];
      if (missing.length) {
        problems.push({ ...position, field: options.field, code: 'establishment-incomplete', severity: 'warning', detail: `establishment ${uai} was created without what the export does not tell (${missing.join(', ')}${guessed.includes('sector') ? '; sector taken as public' : ''}): import the national directory to complete it` });
      }
    }
    return { written: true, problems };
  } catch (error) {
    if (error instanceof EstablishmentOutsidePerimeter) return { written: false, problems: [outsideProblem(uai, position, options.field)] };
    if (!(error instanceof EstablishmentRejected)) throw error;
    const unplaced = error.problems.some((p) => p.pointer === '/academieCode' || p.pointer === '/regionCode' || /academieCode|regionCode/.test(p.detail));
    const detail = unplaced
      ? `establishment ${uai} cannot be placed: neither its UAI nor its postal code names a département, and the export names no académie; import the national directory first (passerelle import annuaire)`
      : `establishment ${uai}: ${error.problems.map((p) => `${p.pointer.slice(1) || 'record'} ${p.detail}`).join('; ')}${
        error.problems.some((p) => p.pointer === '/uai') ? ' (a test feed\'s invented UAI is taken with lenient identifiers: --lenient-identifiers)' : ''}`;
    return { written: false, problems: [{ ...position, field: options.field, code: 'invalid-establishment', severity: 'error', detail: `${detail}; its records are left out` }] };
  }
}
