import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const group: EntityDescriptor = {
  name: 'group',
  schema: 'group.schema.json',
  collection: 'groups',
  belongsTo: 'establishment',
  storage: establishmentRecords('kind'),
  readScopes: ['roster.read', 'timetable.read'],
  personal: false,
  fields: {},
  references: [],
  filters: [{ parameter: 'kind', on: 'column', column: 'kind' }],
  matchOnIne: false,
  order: 2,
};
