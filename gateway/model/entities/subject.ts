import { establishmentRecords, PLAIN, type EntityDescriptor } from './descriptor.js';

export const subject: EntityDescriptor = {
  name: 'subject',
  schema: 'subject.schema.json',
  collection: 'subjects',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  readScopes: ['roster.read', 'timetable.read'],
  ...PLAIN,
  order: 1,
};
