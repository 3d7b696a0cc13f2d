import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

export const person: EntityDescriptor = {
  name: 'person',
  schema: 'person.schema.json',
  collection: 'people',
  belongsTo: 'establishment',
  storage: establishmentRecords('kind'),
  readScopes: ['roster.read'],
  personal: true,
  fields: {
    familyName: 'personal', givenName: 'personal',
    ine: 'identifying', birthDate: 'identifying',
    email: 'contact', address: 'contact', phones: 'contact',
  },
  references: [],
  filters: [
    { parameter: 'kind', on: 'column', column: 'kind' },
    { parameter: 'groupId', on: 'linked', via: 'membership', from: 'personId', to: 'groupId' },
  ],
  matchOnIne: true,
  order: 3,
};
