// French national identifiers: the UAI of an establishment and the INE of a pupil, checked by their keys
// (see shared/design/french-formats.md §1), not only by their shape.

const KEY_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ'; // 23 letters: the alphabet without I, O and Q

function mod23Key(digits: string): string {
  // Digits fit a double exactly (at most 10 digits), so plain arithmetic is safe.
  return KEY_ALPHABET[Number(digits) % 23];
}

/** The check letter a UAI with these 7 digits must end with. */
export function uaiCheckLetter(sevenDigits: string): string {
  return mod23Key(sevenDigits);
}

/**
 * The shape of a UAI, its letter unchecked: enough to look up an establishment the store holds (test feeds
 * imported with lenient identifiers carry letters that do not check out). The letter is checked where a UAI
 * comes in from outside to create something (`isValidUai`).
 */
export function isUaiShaped(value: string): boolean {
  return /^[0-9]{7}[A-Z]$/.test(value);
}

export function isValidUai(value: string): boolean {
  return isUaiShaped(value) && uaiCheckLetter(value.slice(0, 7)) === value[7];
}

const INE_PATTERNS = {
  bea: /^[0-9]{10}[A-HJ-NPR-Z]$/,
  rnie: /^[0-9]{9}[A-HJK]{2}$/,
  base36: /^[0-9A-Z]{10}[0-9]$/,
  sifa: /^[0-9]{4}A[0-9]{5}[A-HJ-NPR-Z]$/,
  provisional: /^[0-9]{4}D[0-9]{5}[A-HJ-NPR-Z]$/,
} as const;

/**
 * An INE is valid when it has one of the known shapes; the INE-BEA variant (10 digits and a letter) also
 * carries a mod-23 key, which is checked. The other variants' keys are not published, so only their shape is.
 */
export function isValidIne(value: string): boolean {
  if (INE_PATTERNS.bea.test(value)) return mod23Key(value.slice(0, 10)) === value[10];
  return Object.values(INE_PATTERNS).some((pattern) => pattern.test(value));
}

/** The INE-BEA with these 10 digits: for demo data and tests. */
export function ineWithKey(tenDigits: string): string {
  return tenDigits + mod23Key(tenDigits);
}

export function uaiWithKey(sevenDigits: string): string {
  return sevenDigits + uaiCheckLetter(sevenDigits);
}

/** The keys listings and the change feed page by: record ids and the UAIs of establishments. */
export const KEY_SHAPES = {
  id: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  uai: /^[0-9]{7}[A-Z]$/,
  /** A dated session: its start (UTC, `YYYYMMDDHHMMSS`) and id. */
  session: /^[0-9]{14}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
} as const;
