// A client's perimeter: the establishments it may see, as UAIs and/or territories, resolved against the
// establishment records at query time (so a collège opened tomorrow is visible to its département at once).
import { isValidUai } from '../model/identifiers.js';

export type PerimeterEntry =
  | { kind: 'national' }
  | { kind: 'uai'; code: string }
  /**
   * A territory, optionally of some types of establishment only: a local authority owns some of those in its
   * territory (a département its collèges, a région its lycées): `departement:069/college`, `region:84/lycee+lycee-pro`.
   */
  | { kind: 'commune' | 'departement' | 'region' | 'academie'; code: string; types?: readonly string[] };

/** The establishment types a perimeter entry may be narrowed to (establishment.schema.json). */
export const ESTABLISHMENT_TYPES = ['ecole', 'college', 'lycee', 'lycee-pro', 'erea', 'other'] as const;

const TERRITORY_PATTERNS: Record<string, { pattern: RegExp; expected: string }> = {
  commune: { pattern: /^(?:[0-9]{5}|2[AB][0-9]{3})$/, expected: 'an INSEE commune code of 5 characters, such as 69123' },
  departement: { pattern: /^(?:0[0-9]{2}|02[AB]|9[78][0-9])$/, expected: 'a département code on 3 characters, such as 069, 02A or 971' },
  region: { pattern: /^[0-9]{2}$/, expected: 'an INSEE région code of 2 digits, such as 84' },
  academie: { pattern: /^[0-9]{2}$/, expected: 'an académie code of 2 digits, such as 10' },
};

export class PerimeterError extends Error {}

/** Parses one entry such as `uai:0750655E`, `departement:069` or `national`; throws a PerimeterError naming it. */
export function parsePerimeterEntry(text: string): PerimeterEntry {
  const entry = text.trim();
  if (entry === 'national') return { kind: 'national' };
  const colon = entry.indexOf(':');
  const kind = colon > 0 ? entry.slice(0, colon) : '';
  const slash = entry.indexOf('/', colon + 1);
  const code = entry.slice(colon + 1, slash < 0 ? undefined : slash).toUpperCase();
  const typeList = slash < 0 ? undefined : entry.slice(slash + 1).toLowerCase().split('+');
  if (kind === 'uai') {
    if (typeList) throw new PerimeterError(`perimeter entry "${entry}": a UAI names one establishment, of one type: no /types after it`);
    if (!isValidUai(code)) {
      throw new PerimeterError(`perimeter entry "${entry}": expected a UAI of 7 digits and its check letter, such as 0750655E`);
    }
    return { kind, code };
  }
  const territory = TERRITORY_PATTERNS[kind];
  if (!territory) {
    throw new PerimeterError(
      `perimeter entry "${entry}": expected national, uai:CODE, commune:CODE, departement:CODE, region:CODE or academie:CODE`,
    );
  }
  if (!territory.pattern.test(code)) throw new PerimeterError(`perimeter entry "${entry}": expected ${territory.expected}`);
  const territoryKind = kind as 'commune' | 'departement' | 'region' | 'academie';
  if (!typeList) return { kind: territoryKind, code };
  const unknown = typeList.filter((t) => !(ESTABLISHMENT_TYPES as readonly string[]).includes(t));
  if (unknown.length || typeList.length === 0) {
    throw new PerimeterError(`perimeter entry "${entry}": expected establishment types after /, joined by +, among ${ESTABLISHMENT_TYPES.join(', ')} (such as ${kind}:${code}/college)`);
  }
  return { kind: territoryKind, code, types: [...new Set(typeList)].sort() };
}

/** Parses a whole perimeter; the canonical text form (as stored) is `formatPerimeter(parsePerimeter(x))`. */
export function parsePerimeter(entries: readonly string[]): PerimeterEntry[] {
  const parsed = entries.filter((e) => e.trim() !== '').map(parsePerimeterEntry);
  const seen = new Set<string>();
  return parsed.filter((entry) => {
    const key = formatPerimeterEntry(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function formatPerimeterEntry(entry: PerimeterEntry): string {
  if (entry.kind === 'national') return 'national';
  const types = 'types' in entry && entry.types?.length ? `/${entry.types.join('+')}` : '';
  return `${entry.kind}:${entry.code}${types}`;
}

export function formatPerimeter(entries: readonly PerimeterEntry[]): string[] {
  return entries.map(formatPerimeterEntry);
}
