import { PLAIN, territoryRecords, type EntityDescriptor } from './descriptor.js';

/** A holiday zone's school year (`zone:A`), from the national calendar: every client may read it. */
export const schoolHolidays: EntityDescriptor = {
  name: 'schoolHolidays',
  schema: 'schoolHolidays.schema.json',
  collection: 'school-holidays',
  belongsTo: 'territory',
  storage: territoryRecords(),
  readScopes: [],
  ...PLAIN,
  order: 0,
};
