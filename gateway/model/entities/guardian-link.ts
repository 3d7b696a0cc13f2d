import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const guardianLink: EntityDescriptor = {
  name: 'guardianLink',
  schema: 'guardianLink.schema.json',
  collection: 'guardian-links',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  readScopes: ['roster.read'],
  personal: true,
  fields: {},
  references: [
    { field: 'guardianId', entity: 'person', kind: 'guardian' },
    { field: 'pupilId', entity: 'person', kind: 'pupil' },
  ],
  filters: [
    { parameter: 'guardianId', on: 'reference', field: 'guardianId' },
    { parameter: 'pupilId', on: 'reference', field: 'pupilId' },
  ],
  matchOnIne: false,
  order: 5,
};
