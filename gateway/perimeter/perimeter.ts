// A client's perimeter: the establishments it may see, as UAIs and/or territories, resolved against the
// establishment records at query time (so a collège opened tomorrow is visible to its département at once).
import { isValidUai } from '../model/identifiers.js';

export type PerimeterEntry =
  | { kind: 'national' }
  | { kind: 'uai'; code: string }
  | { kind: 'commune' | 'departement' | 'region' | 'academie'; code: string };

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
  const code = entry.slice(colon + 1).toUpperCase();
  if (kind === 'uai') {
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
  return { kind: kind as 'commune' | 'departement' | 'region' | 'academie', code };
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
  return entry.kind === 'national' ? 'national' : `${entry.kind}:${entry.code}`;
}

export function formatPerimeter(entries: readonly PerimeterEntry[]): string[] {
  return entries.map(formatPerimeterEntry);
}
