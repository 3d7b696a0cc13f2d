// The entities the gateway holds, in one list: everything that validates, writes, projects, lists or announces
// records finds an entity's descriptor here. Registering is how an entity joins (tests register throwaway ones).
import { academicYear } from './entities/academic-year.js';
import { closure } from './entities/closure.js';
import { course } from './entities/course.js';
import { timetableChange } from './entities/timetable-change.js';
import type { EntityDescriptor } from './entities/descriptor.js';
import { establishment } from './entities/establishment.js';
import { group } from './entities/group.js';
import { guardianLink } from './entities/guardian-link.js';
import { membership } from './entities/membership.js';
import { occurrence } from './entities/occurrence.js';
import { person } from './entities/person.js';
import { room } from './entities/room.js';
import { schoolHolidays } from './entities/school-holidays.js';
import { subject } from './entities/subject.js';

export type { EntityDescriptor } from './entities/descriptor.js';

const registered = new Map<string, EntityDescriptor>();

/**
 * Adds an entity; returns what removes it again. Refuses a descriptor that would let personal data out of an
 * establishment's perimeter (territory and nation records are readable by every client of their scope), or
 * that names what is not registered.
 */
export function registerEntity(descriptor: EntityDescriptor): () => void {
  const problems: string[] = [];
  if (registered.has(descriptor.name)) problems.push(`the entity ${descriptor.name} is registered already`);
  const sameCollection = [...registered.values()].find((d) => d.collection === descriptor.collection);
  if (sameCollection) problems.push(`its collection ${descriptor.collection} is that of ${sameCollection.name}`);
  const guarded = Object.values(descriptor.fields).length > 0 || descriptor.personal;
  if (descriptor.belongsTo !== 'establishment' && guarded) problems.push('records of a territory or of the nation may hold no personal data');
  for (const reference of descriptor.references) {
    if (reference.entity !== descriptor.name && !registered.has(reference.entity)) problems.push(`${reference.field} refers to ${reference.entity}, which is not registered`);
  }
  if (problems.length) throw new Error(`cannot register ${descriptor.name}: ${problems.join('; ')}`);
  registered.set(descriptor.name, descriptor);
  return () => void registered.delete(descriptor.name);
}

for (const descriptor of [
  establishment, subject, room, academicYear, group, person, membership, guardianLink,
  course, timetableChange, occurrence, schoolHolidays, closure,
]) registerEntity(descriptor);

/** Every registered entity, in dependency order (what is linked before what links it). */
export function entities(): EntityDescriptor[] {
  return [...registered.values()].sort((a, b) => a.order - b.order);
}

export function findEntity(name: string): EntityDescriptor | undefined {
  return registered.get(name);
}

/** The descriptor of an entity the code names itself: a missing one is a bug, not bad input. */
export function entityNamed(name: string): EntityDescriptor {
  const descriptor = registered.get(name);
  if (!descriptor) throw new Error(`no entity ${name} is registered`);
  return descriptor;
}

/**
 * Entities whose records belong to one establishment and are written by batches (establishments themselves and
 * records the gateway derives excepted).
 */
export function establishmentRecordEntities(): EntityDescriptor[] {
  return entities().filter((d) => d.belongsTo === 'establishment' && d.storage.table !== 'establishment' && !isDerived(d));
}

/** Records the gateway makes itself (occurrences), kept in a typed table and rendered from its columns. */
export function isDerived(entity: EntityDescriptor): boolean {
  return entity.storage.rendering === 'columns';
}

/** The establishment entity: the record every other establishment record belongs to. */
export const ESTABLISHMENT = establishment;
