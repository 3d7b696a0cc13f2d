// The OpenAPI document says which scopes the sync routes take, as the code does: sync.write or admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Operation = { operationId: string; security?: Record<string, string[]>[] };

let t: TestGateway;
let adminOnly: Api;
let writerOnly: Api;
let readerOnly: Api;

beforeAll(async () => {
  t = await startTestGateway('sync_scopes_doc');
  const db = t.gateway.store.db;
  adminOnly = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['admin'], perimeter: ['academie:10'] })).token);
  writerOnly = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write'], perimeter: ['academie:10'] })).token);
  readerOnly = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['academie:10'] })).token);
});
afterAll(async () => t?.close());

describe('the sync routes', () => {
  it('are documented as taking sync.write or admin, every one', () => {
    const document = loadOpenApiDocument('http://localhost:8080') as { paths: Record<string, Record<string, Operation>> };
    const sync = Object.entries(document.paths).filter(([path]) => path.startsWith('/v1/sync/'));
    expect(sync.length).toBeGreaterThan(3);
    for (const [, item] of sync) {
      for (const operation of Object.values(item).filter((o): o is Operation => typeof o === 'object' && o !== null && 'operationId' in o)) {
        expect({ operation: operation.operationId, security: operation.security }).toEqual({ operation: operation.operationId, security: [{ oauth2: ['sync.write'] }, { oauth2: ['admin'] }] });
      }
    }
  });

  it('answer a client holding either scope, and refuse one holding neither with 403 naming both', async () => {
    expect((await adminOnly.get('/v1/sync/jobs')).status).toBe(200);
    expect((await writerOnly.get('/v1/sync/jobs')).status).toBe(200);
    const refused = await readerOnly.get<{ type: string }>('/v1/sync/jobs');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe(`${t.baseUrl}/problems/insufficient-scope`);
    expect(refused.headers.get('www-authenticate')).toContain('scope="sync.write admin"');
  });
});
