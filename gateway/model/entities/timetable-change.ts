import { TIMETABLE_REFERENCES } from './course.js';
import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const timetableChange: EntityDescriptor = {
  name: 'timetableChange',
  schema: 'timetableChange.schema.json',
  collection: 'timetable-changes',
  belongsTo: 'establishment',
  storage: establishmentRecords('kind'),
  readScopes: ['timetable.read'],
  personal: false,
  fields: {},
  references: [{ field: 'courseId', entity: 'course' }, ...TIMETABLE_REFERENCES],
  filters: [
    { parameter: 'courseId', on: 'reference', field: 'courseId' },
    { parameter: 'kind', on: 'column', column: 'kind' },
  ],
  matchOnIne: false,
  order: 6,
};
