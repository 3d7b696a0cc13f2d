import { establishmentRecords, PLAIN, type EntityDescriptor } from './descriptor.js';

export const room: EntityDescriptor = {
  name: 'room',
  schema: 'room.schema.json',
  collection: 'rooms',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  readScopes: ['roster.read', 'timetable.read', 'occupancy.read'],
  ...PLAIN,
  order: 1,
};
