// Data minimisation: what of each entity a caller's scopes let it read, from the entity registry. Every read
// (listings, look-ups, the change feed) projects records here before they leave the gateway, so a scope cannot
// be honoured in one feed and forgotten in another, and an entity added to the registry is projected like the rest.
import type { Scope } from '../auth/scopes.js';
import { GUARD_SCOPES, type GuardedClass } from '../model/entities/descriptor.js';
import { IDENTIFYING_SOURCES } from '../model/identifying.js';
import { entities, type EntityDescriptor } from '../model/registry.js';

export function canRead(entity: EntityDescriptor, scopes: ReadonlySet<Scope>): boolean {
  return entity.readScopes.length === 0 || entity.readScopes.some((s) => scopes.has(s));
}

export function readableEntities(scopes: ReadonlySet<Scope>): EntityDescriptor[] {
  return entities().filter((e) => canRead(e, scopes));
}

/**
 * What a caller gets of an entity's records: `full` (the stored rendering), `minimal` (the stored rendering
 * without every guarded field), or `partial`, the full one without the fields and source ids listed.
 */
export type Projection =
  | { kind: 'full' }
  | { kind: 'minimal' }
  | { kind: 'partial'; fields: readonly string[]; sources: readonly string[] };

/** The guarded fields of an entity (identifying, contact) and the scope each needs. */
export function guardedFields(entity: EntityDescriptor): { field: string; scope: Scope }[] {
  return Object.entries(entity.fields)
    .filter((entry): entry is [string, GuardedClass] => entry[1] in GUARD_SCOPES)
    .map(([field, fieldClass]) => ({ field, scope: GUARD_SCOPES[fieldClass] }));
}

/** Source ids that identify a person (ONDE's are INEs): guarded like INEs, on records that describe people. */
export function guardedSources(entity: EntityDescriptor): readonly string[] {
  return entity.personal ? IDENTIFYING_SOURCES : [];
}

export function projectionOf(entity: EntityDescriptor, scopes: ReadonlySet<Scope>): Projection {
  const guarded = guardedFields(entity);
  const fields = guarded.filter((g) => !scopes.has(g.scope)).map((g) => g.field);
  const sources = scopes.has(GUARD_SCOPES.identifying) ? [] : guardedSources(entity);
  if (fields.length === 0 && sources.length === 0) return { kind: 'full' };
  if (fields.length === guarded.length && sources.length === guardedSources(entity).length) return { kind: 'minimal' };
  return { kind: 'partial', fields, sources };
}

/** A name for what a projection leaves out, for ETags: two callers' answers differ by it. */
export function projectionLabel(projection: Projection): string {
  return projection.kind === 'partial' ? `without:${[...projection.fields, ...projection.sources.map((s) => `sourceIds.${s}`)].join(',')}` : projection.kind;
}

/** Whether reading the entity is written to the audit log. */
export function isAudited(entity: EntityDescriptor): boolean {
  return entity.personal;
}

/** Whether a caller sees identifying values (INE, birth dates) in job reports, as in records. */
export function seesIdentifiers(scopes: ReadonlySet<Scope>): boolean {
  return scopes.has(GUARD_SCOPES.identifying);
}
