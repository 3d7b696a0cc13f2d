// Data minimisation: which entities and fields a caller's scopes let it read. Every feed projects records
// here, before they leave the gateway, so a scope cannot be honoured in one feed and forgotten in another.
import type { Entity } from '../model/validate.js';
import type { Scope } from '../auth/scopes.js';

/** The scopes that open an entity (any one suffices); an empty list means any authenticated caller. */
export const ENTITY_READ_SCOPES: Record<Entity, readonly Scope[]> = {
  establishment: [],
  academicYear: [],
  person: ['roster.read'],
  membership: ['roster.read'],
  guardianLink: ['roster.read'],
  group: ['roster.read', 'timetable.read'],
  subject: ['roster.read', 'timetable.read'],
  room: ['roster.read', 'timetable.read', 'occupancy.read'],
};

/** Entities that are personal data: reading them is written to the audit log. */
export const PERSONAL_ENTITIES: ReadonlySet<Entity> = new Set(['person', 'membership', 'guardianLink']);

export function canRead(entity: Entity, scopes: ReadonlySet<Scope>): boolean {
  const needed = ENTITY_READ_SCOPES[entity];
  return needed.length === 0 || needed.some((s) => scopes.has(s));
}

export function readableEntities(scopes: ReadonlySet<Scope>): Entity[] {
  return (Object.keys(ENTITY_READ_SCOPES) as Entity[]).filter((e) => canRead(e, scopes));
}

/** Which rendering of the records this caller gets: identifying fields (model/identifying.ts) need their scope. */
export function renderingFor(scopes: ReadonlySet<Scope>): 'full' | 'minimal' {
  return scopes.has('roster.identifiers') ? 'full' : 'minimal';
}
