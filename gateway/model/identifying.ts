// Fields that identify a person beyond their name (INE, birth date). Callers see them only with the
// `roster.identifiers` scope; every stored record keeps a rendering without them (store/record-shape.ts), so
// projecting is choosing one. A new guarded field belongs here, behind the same scope.
import type { Entity } from './validate.js';

export const IDENTIFYING_FIELDS: Partial<Record<Entity, readonly string[]>> = {
  person: ['ine', 'birthDate'],
};

/** Contact data (postal address, phones, e-mail): callers see them only with the `roster.contacts` scope. */
export const CONTACT_FIELDS: Partial<Record<Entity, readonly string[]>> = {
  person: ['address', 'phones', 'email'],
};

/**
 * Sources whose identifiers identify a person in turn: ONDE knows a pupil only by its INE, so its source ids are
 * INEs (and its memberships' ids carry them). They are left out of `sourceIds` behind the same scope.
 */
export const IDENTIFYING_SOURCES: readonly string[] = ['onde'];
