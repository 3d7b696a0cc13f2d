// A person's contact details as the canonical person holds them (schemas/person.schema.json: `address`,
// `phones`, `email`), built from what the sources give: address lines (AAF joins them with `$`), postal code,
// city, country, and numbers by kind. Placeholders some exports carry for a missing number (`0000000000`) or
// line are left out.

export type PhoneType = 'home' | 'mobile' | 'work' | 'other';

export interface Address {
  lines: string[];
  postalCode?: string;
  city?: string;
  country?: string;
}

export interface Contact {
  address?: Address;
  phones?: { type: PhoneType; number: string }[];
  email?: string;
}

const clean = (text: string | undefined) => text?.replace(/\s+/g, ' ').trim() || undefined;

/** The address of its parts, or undefined when it has no line, postal code nor city. */
export function addressOf(lines: (string | undefined)[], postalCode?: string, city?: string, country?: string): Address | undefined {
  const kept = lines.flatMap((line) => (line ?? '').split('$')).map(clean).filter((l): l is string => !!l).slice(0, 6).map((l) => l.slice(0, 200));
  const parts = { postalCode: clean(postalCode)?.slice(0, 20), city: clean(city)?.slice(0, 100), country: clean(country)?.slice(0, 100) };
  if (kept.length === 0 && !parts.postalCode && !parts.city) return undefined;
  return { lines: kept, ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) };
}

/** Phone numbers by type, placeholders (only zeros, no digit) and repeats left out. */
export function phonesOf(numbers: [PhoneType, string | undefined][]): { type: PhoneType; number: string }[] {
  const seen = new Set<string>();
  return numbers.flatMap(([type, raw]) => {
    const number = clean(raw);
    const digits = number?.replace(/\D/g, '') ?? '';
    if (!number || !/[1-9]/.test(digits) || number.length > 30 || seen.has(`${type} ${digits}`)) return [];
    seen.add(`${type} ${digits}`);
    return [{ type, number }];
  });
}

export const validEmail = (email: string | undefined): string | undefined => (email && /^[^@\s]+@[^@\s]+$/.test(email.trim()) && email.trim().length <= 254 ? email.trim() : undefined);

/** The contact fields of a record: only those that hold something. */
export function contactFields(address: Address | undefined, phones: { type: PhoneType; number: string }[], email?: string): Contact {
  return { ...(address ? { address } : {}), ...(phones.length ? { phones } : {}), ...(email ? { email } : {}) };
}
