import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const membership: EntityDescriptor = {
  name: 'membership',
  schema: 'membership.schema.json',
  collection: 'memberships',
  belongsTo: 'establishment',
  storage: establishmentRecords('role'),
  readScopes: ['roster.read'],
  personal: true,
  fields: {},
  references: [
    { field: 'personId', entity: 'person' },
    { field: 'groupId', entity: 'group' },
    { field: 'subjectIds', entity: 'subject', many: true },
  ],
  filters: [
    { parameter: 'role', on: 'column', column: 'kind' },
    { parameter: 'personId', on: 'reference', field: 'personId' },
    { parameter: 'groupId', on: 'reference', field: 'groupId' },
  ],
  matchOnIne: false,
  order: 4,
};
