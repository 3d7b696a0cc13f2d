import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const academicYear: EntityDescriptor = {
  name: 'academicYear',
  schema: 'academicYear.schema.json',
  collection: 'academic-years',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  readScopes: [],
  personal: false,
  fields: {},
  references: [],
  filters: [],
  matchOnIne: false,
  order: 1,
};
