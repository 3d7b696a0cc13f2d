// The API's connectors are the registry's: the OpenAPI document's ImportConnector lists exactly the importers
// gateway/sync/importers.ts registers, so that a connector added to one and not the other fails here.
import { describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { IMPORTER_NAMES } from '../../gateway/sync/importers.js';

describe('the import connectors of the OpenAPI document', () => {
  it('are the registered importers, in the same order', () => {
    const document = loadOpenApiDocument() as { components: { schemas: Record<string, { enum?: string[] }> } };
    expect(document.components.schemas.ImportConnector.enum).toEqual([...IMPORTER_NAMES]);
  });
});
