import { PLAIN, territoryRecords, type EntityDescriptor } from './descriptor.js';

/** Days every establishment of a territory is closed (`commune:69123`, `departement:069`, `national`). */
export const closure: EntityDescriptor = {
  name: 'closure',
  schema: 'closure.schema.json',
  collection: 'closures',
  belongsTo: 'territory',
  storage: territoryRecords(),
  readScopes: ['timetable.read', 'occupancy.read'],
  ...PLAIN,
  order: 0,
};
