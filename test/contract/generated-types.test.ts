// gateway/http/generated/openapi.ts must be what openapi-typescript makes of openapi/openapi.yaml today.
import fs from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { openApiDirectory } from '../../gateway/http/openapi-document.js';

describe('generated OpenAPI types', () => {
  it('match the document (otherwise run `npm run generate` and commit the result)', async () => {
    const root = path.dirname(openApiDirectory());
    // The same call the openapi-typescript CLI (npm run generate) makes, with its default options.
    const expected = COMMENT_HEADER + astToString(await openapiTS(new URL(`file://${path.join(root, 'openapi', 'openapi.yaml')}`), { silent: true }));
    const committed = fs.readFileSync(path.join(root, 'gateway', 'http', 'generated', 'openapi.ts'), 'utf8');
    if (committed !== expected) {
      const at = [...committed].findIndex((ch, i) => ch !== expected[i]);
      const line = committed.slice(0, at).split('\n').length;
      expect.fail(`gateway/http/generated/openapi.ts is stale (first difference at line ${line}): run \`npm run generate\` and commit it`);
    }
  });
});
