// A demo family's contact details and each guardian's link to its children, drawn from a stable hash of the
// family's key (not from the establishment's PRNG, so that adding them left every other invented value as it
// was). Phone numbers are in the ranges ARCEP keeps for fiction (04 65 71…, 06 39 98…); streets are invented.
import { hash32 } from './deterministic.js';

const STREETS = ['rue des Tilleuls', 'avenue des Platanes', 'chemin du Moulin', 'rue de la Poste', 'place du Marché', 'impasse des Lilas', 'rue Victor-Hugo', 'allée des Cerisiers'];

export interface DemoAddress {
  lines: string[];
  postalCode: string;
  city: string;
  country: string;
}

/** The family's home: one address for all its members. */
export function familyAddress(familyKey: string, commune: { code: string; name: string }): DemoAddress {
  const h = hash32(`address/${familyKey}`);
  return { lines: [`${(h % 120) + 1} ${STREETS[(h >>> 8) % STREETS.length]}`], postalCode: commune.code, city: commune.name.toUpperCase(), country: 'FRANCE' };
}

const digits = (n: number) => String(n % 100).padStart(2, '0');

/** A guardian's phones: always a mobile, and the family's home line for some. */
export function guardianPhones(guardianKey: string, familyKey: string): { type: 'home' | 'mobile'; number: string }[] {
  const h = hash32(`phone/${guardianKey}`);
  const home = hash32(`home/${familyKey}`);
  return [
    { type: 'mobile', number: `06 39 98 ${digits(h)} ${digits(h >>> 8)}` },
    ...(home % 3 === 0 ? [{ type: 'home' as const, number: `04 65 71 ${digits(home >>> 4)} ${digits(home >>> 12)}` }] : []),
  ];
}

/** The first guardian of a family is its mother or its father, the second mostly the other parent. */
export function guardianRelationship(familyKey: string, guardian: number): 'mother' | 'father' | 'tutor' | 'other' {
  const h = hash32(`relationship/${familyKey}`);
  const first = h % 2 === 0 ? 'mother' : 'father';
  if (guardian === 0) return h % 25 === 0 ? 'tutor' : first;
  if ((h >>> 8) % 10 === 0) return 'other';
  return first === 'mother' ? 'father' : 'mother';
}
