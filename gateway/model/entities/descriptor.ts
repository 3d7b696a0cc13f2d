// What the gateway knows of an entity, said once: validation, the write path, projection, listings, look-ups,
// the change feed, the OpenAPI document's listings and the connectors' operation types all read it. A new entity
// is a JSON Schema, a descriptor registered in `registry.ts` and a migration for its table (README: "Adding an
// entity").
import type { Scope } from '../../auth/scopes.js';

/**
 * How a field of an entity is guarded. `personal`: it describes a person, shown with the entity's read scope
 * (the read is audited); `identifying` (INE, birth date) needs `roster.identifiers`; `contact` (address,
 * phones, e-mail) needs `roster.contacts`.
 */
export type FieldClass = 'personal' | 'identifying' | 'contact';

/** The scope each guarded class of fields needs on top of the entity's read scope. */
export const GUARD_SCOPES = { identifying: 'roster.identifiers', contact: 'roster.contacts' } as const satisfies Partial<Record<FieldClass, Scope>>;
export type GuardedClass = keyof typeof GUARD_SCOPES;

/** A field of one record that holds the id of another (or, `many`, an array of ids). */
export interface Reference {
  field: string;
  entity: string;
  /** The target must be of this kind (its `kind` column): a guardian link's guardian is a `guardian`. */
  kind?: string;
  many?: boolean;
}

/** A query parameter of the entity's listing and what it filters on. */
export type ListingFilter =
  /** A column of the table (see Storage.columns: a person's kind, a membership's role, an establishment's type). */
  | { parameter: string; on: 'column'; column: string }
  /** A reference field, equal to the id given. */
  | { parameter: string; on: 'reference'; field: string }
  /** Records that an active record of `via` links, from its `from` field, to the id given in its `to` field. */
  | { parameter: string; on: 'linked'; via: string; from: string; to: string }
  /** A person who teaches it (in `teachers`) or is a current member of one of its groups (in `groups`). */
  | { parameter: string; on: 'attendee'; teachers: string; groups: string };

/** Where the records of an entity are kept: the table and the columns filled from its data. */
export interface Storage {
  table: string;
  /** The table holds several entities, told apart by an `entity` column (roster_record, shared_record). */
  shared: boolean;
  /** The column written on conflict: `id`, or for establishments their UAI. */
  conflict: 'id' | 'uai';
  /** Columns copied from the record's data for the feeds' filters and indexes: column → data field. */
  columns: Record<string, string>;
  /**
   * `columns`: records the gateway derives (occurrences) in a typed table of their own, rendered from their
   * columns as they are read; batches never write them. Otherwise (the default) a `data` document and
   * pre-rendered bodies written through the one write path.
   */
  rendering?: 'columns';
}

export interface EntityDescriptor {
  /** As in batches and change feeds: `person`, `guardianLink`. */
  name: string;
  /** The JSON Schema: a file name in schemas/, or the schema itself (it may refer to common.schema.json). */
  schema: string | Record<string, unknown>;
  /** Its listing's path segment: `people`, `guardian-links`. */
  collection: string;
  /**
   * What its records belong to: one establishment (and its perimeter), a territory (a holiday zone's calendar)
   * or the nation (reference data); an establishment itself is `establishment` and is its own.
   */
  belongsTo: 'establishment' | 'territory' | 'nation';
  storage: Storage;
  /** Any one of them opens the entity; none: any authenticated caller. */
  readScopes: readonly Scope[];
  /** Its records describe people: reading them is audited, and source ids that are INEs are identifying. */
  personal: boolean;
  /** Fields that are not for every reader, by class (fields not named are plain). */
  fields: Readonly<Record<string, FieldClass>>;
  references: readonly Reference[];
  filters: readonly ListingFilter[];
  /** How a record a source sends without a gateway id is found: on INE first (people), then on its source ids. */
  matchOnIne: boolean;
  /** Writes of this entity come before those of later ones in a batch a connector builds (dependencies first). */
  order: number;
}

/** Storage in the table of every establishment's records, with the `kind` column taken from `kindField`. */
export function establishmentRecords(kindField?: string, table = 'roster_record'): Storage {
  return { table, shared: true, conflict: 'id', columns: kindField ? { kind: kindField } : {} };
}

/** Storage in the table of territory and nation records. */
export function territoryRecords(): Storage {
  return { table: 'shared_record', shared: true, conflict: 'id', columns: {} };
}

/** What most entities declare: no personal data, no references nor filters, matched on their source ids alone. */
export const PLAIN = {
  personal: false, fields: {}, references: [], filters: [], matchOnIne: false,
} as const satisfies Pick<EntityDescriptor, 'personal' | 'fields' | 'references' | 'filters' | 'matchOnIne'>;
