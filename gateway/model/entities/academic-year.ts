import { establishmentRecords, PLAIN, type EntityDescriptor } from './descriptor.js';

export const academicYear: EntityDescriptor = {
  name: 'academicYear',
  schema: 'academicYear.schema.json',
  collection: 'academic-years',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  readScopes: [],
  ...PLAIN,
  order: 1,
};
