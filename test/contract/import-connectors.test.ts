// The API's connectors are the registry's: the OpenAPI document's ImportConnector lists exactly the importers
// gateway/sync/importers.ts registers, so that a connector added to one and not the other fails here.
import { describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { ARCHIVE_EXTENSIONS, IMPORTER_NAMES, IMPORTERS } from '../../gateway/sync/importers.js';

type Parameter = { name: string; in: string; description: string };

describe('the import connectors of the OpenAPI document', () => {
  it('are the registered importers, in the same order', () => {
    const document = loadOpenApiDocument() as { components: { schemas: Record<string, { enum?: string[] }> } };
    expect(document.components.schemas.ImportConnector.enum).toEqual([...IMPORTER_NAMES]);
  });

  it('document the file names each one takes', () => {
    const document = loadOpenApiDocument() as { paths: Record<string, { post: { parameters: Parameter[] } }> };
    const filename = document.paths['/v1/sync/jobs'].post.parameters.find((p) => p.name === 'filename')!.description;
    for (const importer of IMPORTERS) {
      for (const extension of importer.files.extensions) expect(filename).toMatch(new RegExp(`\`\\${extension}\` for [^,]*\`${importer.name}\``));
    }
    for (const extension of ARCHIVE_EXTENSIONS) expect(filename).toContain(`\`${extension}\``);
  });
});
