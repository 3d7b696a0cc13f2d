// The OpenAPI document as the registry extends it: an entity registered beyond those the document describes (a
// new one on its way into openapi.yaml, or a test's) gets its listing and its read-by-id paths, built from its
// descriptor, and the batch accepts it, so that adding an entity takes no routing or contract code.
import { componentNameOf } from './openapi-document.js';
import { entities, establishmentRecordEntities, type EntityDescriptor } from '../model/registry.js';

type JsonObject = Record<string, any>;

const ref = (to: string) => ({ $ref: to });
const parameter = (name: string) => ref(`#/components/parameters/${name}`);
const response = (name: string) => ref(`#/components/responses/${name}`);

/** The schema of a stored record of the entity, or of its tombstone: its component when the document has one, else any object. */
function recordSchema(document: JsonObject, entity: EntityDescriptor): JsonObject {
  const name = typeof entity.schema === 'string' ? `Stored${componentNameOf(entity.schema)}` : undefined;
  const stored = name && document.components.schemas[name] ? ref(`#/components/schemas/${name}`) : { type: 'object' };
  return { anyOf: [stored, ref('#/components/schemas/Tombstone')] };
}

function listingPath(document: JsonObject, entity: EntityDescriptor): JsonObject {
  const filters = entity.filters.map((filter) => ({ name: filter.parameter, in: 'query', schema: { type: 'string', maxLength: 200 } }));
  return {
    parameters: [parameter('Uai')],
    get: {
      operationId: `list_${entity.name}`,
      summary: `List the ${entity.collection} of an establishment`,
      // Any one of the read scopes opens it: one requirement each.
      security: entity.readScopes.length ? entity.readScopes.map((scope) => ({ oauth2: [scope] })) : [{ oauth2: [] }],
      parameters: [
        ...filters, parameter('SourceId'), ...(entity.matchOnIne ? [parameter('Ine')] : []), parameter('Limit'), parameter('Cursor'),
        parameter('Count'), parameter('IncludeDeleted'), parameter('UpdatedSince'), parameter('IfNoneMatch'),
      ],
      responses: {
        200: {
          description: `One page of ${entity.collection}.`,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['data', 'next', 'changeCursor'],
                properties: {
                  data: { type: 'array', items: recordSchema(document, entity) },
                  next: ref('#/components/schemas/NextLink'),
                  changeCursor: ref('#/components/schemas/ChangeCursor'),
                },
              },
            },
          },
        },
        304: response('NotModified'), 400: response('BadRequest'), 401: response('Unauthorized'), 403: response('Forbidden'),
        404: response('NotFound'), 500: response('InternalError'),
      },
    },
  };
}

function recordPath(document: JsonObject, entity: EntityDescriptor): JsonObject {
  return {
    get: {
      operationId: `get_${entity.name}`,
      summary: `Read one ${entity.name} by id`,
      security: [{ oauth2: [] }],
      parameters: [parameter('RecordId'), parameter('IfNoneMatch')],
      responses: {
        200: { description: `The ${entity.name}.`, content: { 'application/json': { schema: recordSchema(document, entity) } } },
        304: response('NotModified'), 400: response('BadRequest'), 401: response('Unauthorized'), 403: response('Forbidden'),
        404: response('NotFound'), 500: response('InternalError'),
      },
    },
  };
}

/** The paths an entity's descriptor makes, by path. */
export function entityPaths(document: JsonObject, entity: EntityDescriptor): Record<string, JsonObject> {
  return {
    [`/v1/establishments/{uai}/${entity.collection}`]: listingPath(document, entity),
    [`/v1/${entity.collection}/{id}`]: recordPath(document, entity),
  };
}

/** A change of an entity the document does not describe: its record is an object (or a tombstone). */
function changeOf(entity: EntityDescriptor): JsonObject {
  return {
    type: 'object',
    required: ['entity', 'id', 'op', 'record'],
    properties: { entity: { const: entity.name }, id: { type: 'string' }, op: ref('#/components/schemas/ChangeOp'), record: { type: 'object' } },
    additionalProperties: false,
  };
}

/** Adds what registered entities need and the document lacks; what the document says of an entity stands. */
export function withRegisteredEntities(document: JsonObject): JsonObject {
  const schemas = document.components.schemas;
  const batchEntity = schemas.BatchEntity as { enum: string[] };
  batchEntity.enum = [...new Set([...batchEntity.enum, ...establishmentRecordEntities().map((e) => e.name)])];
  for (const entity of establishmentRecordEntities()) {
    for (const [path, item] of Object.entries(entityPaths(document, entity))) document.paths[path] ??= item;
  }
  const described = new Set((schemas.Change.oneOf as JsonObject[]).map((change) => change.$ref));
  for (const entity of entities()) {
    if (!described.has(`#/components/schemas/${componentNameOf(entity.name)}Change`)) (schemas.Change.oneOf as JsonObject[]).push(changeOf(entity));
  }
  return document;
}
