import type { EntityDescriptor } from './descriptor.js';

export const establishment: EntityDescriptor = {
  name: 'establishment',
  schema: 'establishment.schema.json',
  collection: 'establishments',
  belongsTo: 'establishment',
  storage: {
    table: 'establishment', shared: false, conflict: 'uai',
    columns: {
      name: 'name', type: 'type', sector: 'sector', commune_code: 'communeCode', departement_code: 'departementCode',
      region_code: 'regionCode', academie_code: 'academieCode',
    },
  },
  readScopes: [],
  personal: false,
  fields: {},
  references: [],
  filters: [
    { parameter: 'type', on: 'column', column: 'type' },
    { parameter: 'communeCode', on: 'column', column: 'commune_code' },
    { parameter: 'departementCode', on: 'column', column: 'departement_code' },
    { parameter: 'regionCode', on: 'column', column: 'region_code' },
    { parameter: 'academieCode', on: 'column', column: 'academie_code' },
  ],
  matchOnIne: false,
  order: 0,
};
