// Small builders of valid canonical records for tests; every identifier is invented but carries a valid key.
import { randomUUID } from 'node:crypto';
import { ineWithKey, uaiWithKey } from '../../gateway/model/identifiers.js';

export const LYON = { communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10' };
export const VILLEURBANNE = { communeCode: '69266', departementCode: '069', regionCode: '84', academieCode: '10' };
export const BOURG = { communeCode: '01053', departementCode: '001', regionCode: '84', academieCode: '10' };
export const PARIS = { communeCode: '75056', departementCode: '075', regionCode: '11', academieCode: '01' };

// Per-process counters from a random start: unique within a test file, which has its own schema anyway.
let counter = Math.floor(Math.random() * 5000);

/** A fresh valid UAI in the given département (first 3 digits). */
export function newUai(departement = '069'): string {
  counter += 1;
  const digits = `${departement.replace(/[AB]$/, '0').padStart(3, '0').slice(-3)}${String(counter % 10_000).padStart(4, '0')}`;
  return uaiWithKey(digits);
}

export function establishment(uai: string, territory = LYON, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uai, name: `Collège ${uai}`, type: 'college', sector: 'public', ...territory, holidayZone: 'A', ...overrides,
  };
}

let ineCounter = Math.floor(Math.random() * 1_000_000);
export function newIne(): string {
  ineCounter += 1;
  return ineWithKey(`10${String(ineCounter).padStart(8, '0')}`);
}

export function pupil(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(), kind: 'pupil', familyName: 'Martin', givenName: 'Léa', birthDate: '2013-04-02', ine: newIne(), ...overrides,
  };
}

export function guardian(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), kind: 'guardian', familyName: 'Martin', givenName: 'Claire', email: 'claire.martin@example.org', ...overrides };
}

export function division(code: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), kind: 'division', code, name: code, level: '6E', ...overrides };
}

export const upsert = (entity: string, record: Record<string, unknown>) => ({ entity, op: 'upsert', record });
export const remove = (entity: string, record: Record<string, unknown>) => ({ entity, op: 'delete', record });
