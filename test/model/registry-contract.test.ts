// The registry is what the contract and the connectors say about entities: each establishment entity has its
// listing (with its descriptor's filters and the look-ups), its read-by-id path and its place in the batch in
// openapi.yaml, and the connectors write exactly the registry's entities.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANONICAL_ENTITIES } from '../../connectors/kit/operation.js';
import { bundleOpenApi, openApiDirectory } from '../../gateway/http/openapi-document.js';
import { establishmentRecordEntities } from '../../gateway/model/registry.js';

type JsonObject = Record<string, any>;
const document = bundleOpenApi(path.join(openApiDirectory(), 'openapi.yaml')) as JsonObject;

/** The query parameters of an operation by name, references followed. */
function queryParameters(operation: JsonObject): string[] {
  return (operation.parameters as JsonObject[])
    .map((p) => (p.$ref ? document.components.parameters[(p.$ref as string).split('/').pop()!] : p))
    .filter((p) => p.in === 'query').map((p) => p.name as string);
}

describe('the entity registry', () => {
  it.each(establishmentRecordEntities().map((e) => [e.name, e] as const))('%s is described in openapi.yaml as its descriptor says', (_, entity) => {
    const listing = document.paths[`/v1/establishments/{uai}/${entity.collection}`]?.get;
    expect(listing, `the listing of ${entity.collection}`).toBeDefined();
    const parameters = queryParameters(listing);
    for (const filter of entity.filters) expect(parameters).toContain(filter.parameter);
    expect(parameters).toContain('sourceId');
    expect(parameters.includes('ine')).toBe(entity.matchOnIne);
    // Any one of the read scopes opens it: one security requirement each (none: the document's default).
    const scopes = ((listing.security ?? []) as { oauth2: string[] }[]).flatMap((requirement) => requirement.oauth2);
    expect(scopes.sort()).toEqual([...entity.readScopes].sort());
    expect(document.paths[`/v1/${entity.collection}/{id}`]?.get, `GET /v1/${entity.collection}/{id}`).toBeDefined();
  });

  it('is what the batch accepts and what connectors write', () => {
    const names = establishmentRecordEntities().map((e) => e.name).sort();
    expect([...(document.components.schemas.BatchEntity.enum as string[])].sort()).toEqual(names);
    expect([...CANONICAL_ENTITIES].sort()).toEqual(names);
  });
});
