// Request validation against the OpenAPI document, on a tiny app with stub handlers: bad parameters and
// bodies become 400 problems naming the field and what was expected; good requests reach the handler with
// their query coerced. Also the documentation routes, offline and under helmet's CSP.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsRouter } from '../../gateway/http/docs.js';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { problemHandler } from '../../gateway/http/problem.js';
import { requestValidator } from '../../gateway/http/request-validation.js';
import { api, type Api } from '../support/api.js';

const PUBLIC_URL = 'https://passerelle.test';
const VALIDATION = `${PUBLIC_URL}/problems/validation`;
const UAI = '0690001B';
const ESTABLISHMENT = {
  id: '6f1c9a52-3f43-4a3c-9a36-2d4f0b8f1e21',
  uai: UAI,
  sourceIds: {},
  status: 'active',
  updatedAt: '2026-09-01T06:00:00Z',
  name: 'Collège Jean Moulin',
  type: 'college',
  sector: 'public',
  communeCode: '69123',
  departementCode: '069',
  regionCode: '84',
  academieCode: '10',
};

let server: Server;
let client: Api;

beforeAll(async () => {
  // A public URL with a path: the validator must still match the routes as the app sees them.
  const document = loadOpenApiDocument('https://passerelle.example.fr/api');
  const app = express();
  app.use(helmet());
  app.use(docsRouter(document));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(express.json());
  app.use(...requestValidator(document));
  app.get('/v1/establishments/:uai/people', (req, res) => {
    res.set('ETag', '"people-1"').set('X-Seen-Query', JSON.stringify(req.query));
    res.json({ data: [], next: null, changeCursor: '7' });
  });
  app.get('/v1/establishments/:uai', (req, res) => {
    res.set('ETag', '"e-1"').json({ ...ESTABLISHMENT, uai: req.params.uai });
  });
  app.put('/v1/establishments/:uai', (req, res) => {
    res.status(201).set('ETag', '"e-2"').set('X-Seen-Body', encodeURIComponent(JSON.stringify(req.body)));
    res.json({ ...ESTABLISHMENT, ...(req.body as object), uai: req.params.uai });
  });
  app.post('/v1/establishments/:uai/batch', (req, res) => {
    const records = (req.body as { records: { entity: string; op: string }[] }).records;
    res.json({
      results: records.map((r, index) => ({ index, entity: r.entity, op: r.op, id: ESTABLISHMENT.id, outcome: 'created' })),
      counts: { created: records.length, updated: 0, unchanged: 0, deleted: 0 },
      changeCursor: '8',
    });
  });
  app.use(problemHandler(PUBLIC_URL));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  client = api(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('request validation', () => {
  it.each([
    ['0', 'must be an integer from 1 to 1000 (got 0)'],
    ['1001', 'must be an integer from 1 to 1000 (got 1001)'],
    ['abc', 'must be an integer from 1 to 1000 (got "abc")'],
  ])('refuses limit=%s with a 400 naming /query/limit', async (limit, detail) => {
    const response = await client.get(`/v1/establishments/${UAI}/people?limit=${limit}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: VALIDATION, status: 400, detail: `/query/limit ${detail}` });
    expect(response.body.errors).toEqual([{ pointer: '/query/limit', detail }]);
  });

  it('refuses an unknown query parameter, naming it and the known ones', async () => {
    const response = await client.get(`/v1/establishments/${UAI}/people?colour=red`);
    expect(response.status).toBe(400);
    expect(response.body.type).toBe(VALIDATION);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0].pointer).toBe('/query/colour');
    expect(response.body.errors[0].detail).toMatch(/^is not a query parameter of this operation \(known: kind, groupId, limit, cursor/);
  });

  it('lets a UAI whose check letter does not check out through to the route: the store may hold it (test feeds)', async () => {
    const response = await client.get('/v1/establishments/0750655X/people');
    expect(response.status).toBe(200);
  });

  it('refuses a UAI in lower case or of the wrong shape on every operation', async () => {
    const lower = await client.get('/v1/establishments/0690001b');
    expect(lower.status).toBe(400);
    const detail = 'must be a UAI: 7 digits and a letter, upper case (got "0690001b")';
    expect(lower.body).toMatchObject({ type: VALIDATION, detail: `/path/uai ${detail}` });
    expect(lower.body.errors).toEqual([{ pointer: '/path/uai', detail }]);
    const short = await client.post('/v1/establishments/123/batch', { records: [{ entity: 'room', op: 'upsert', record: {} }] });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].pointer).toBe('/path/uai');
  });

  it('names each bad filter with what it accepts', async () => {
    const response = await client.get(`/v1/establishments/${UAI}/people?kind=robot&groupId=6A&updatedSince=yesterday`);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/query/kind', detail: 'must be one of "pupil", "teacher", "staff", "guardian" (got "robot")' },
      { pointer: '/query/groupId', detail: 'must be a UUID (got "6A")' },
      { pointer: '/query/updatedSince', detail: 'must be a valid date-time or date (got "yesterday")' },
    ]));
    expect(response.body.errors).toHaveLength(3);
  });

  it('lets a good request through, with its query coerced and defaults filled in', async () => {
    const response = await client.get(`/v1/establishments/${UAI}/people?limit=5&count=true&kind=pupil`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.headers.get('x-seen-query')!)).toEqual({ limit: 5, count: true, kind: 'pupil', includeDeleted: false });
    const defaults = await client.get(`/v1/establishments/${UAI}/people`);
    expect(JSON.parse(defaults.headers.get('x-seen-query')!)).toMatchObject({ limit: 100 });
  });

  it('checks batch bodies, pointing into the body', async () => {
    const response = await client.post(`/v1/establishments/${UAI}/batch`, {
      records: [
        { entity: 'person', op: 'merge', record: {} },
        { entity: 'pupil', op: 'upsert', record: {}, extra: 1 },
        { entity: 'room', op: 'delete' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/body/records/0/op', detail: 'must be one of "upsert", "delete"' },
      { pointer: '/body/records/1/entity', detail: 'must be one of "person", "group", "membership", "guardianLink", "subject", "room", "academicYear", "course", "timetableChange"' },
      { pointer: '/body/records/1/extra', detail: 'is not a known field of this record' },
      { pointer: '/body/records/2/record', detail: 'is required' },
    ]));
    expect(response.body.detail).toMatch(/^\/body\/records\/0\/op must be one of "upsert", "delete"; .*; and 1 more$/);
  });

  it('refuses an empty or missing batch', async () => {
    const empty = await client.post(`/v1/establishments/${UAI}/batch`, { records: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ pointer: '/body/records', detail: 'must NOT have fewer than 1 items (got [])' }]);
    const missing = await client.post(`/v1/establishments/${UAI}/batch`, {});
    expect(missing.body.errors).toEqual([{ pointer: '/body/records', detail: 'is required' }]);
  });

  it('passes a good batch to the handler', async () => {
    const response = await client.post(`/v1/establishments/${UAI}/batch`, {
      records: [{ entity: 'person', op: 'upsert', record: { kind: 'pupil', familyName: 'Martin', givenName: 'Léa' } }],
    });
    expect(response.status).toBe(200);
    expect(response.body.counts.created).toBe(1);
  });

  it('accepts an establishment without its uai (taken from the path), fills defaults, refuses unknown fields', async () => {
    const { uai: _uai, id: _id, sourceIds: _s, status: _st, updatedAt: _u, ...body } = ESTABLISHMENT;
    const created = await client.put(`/v1/establishments/${UAI}`, body);
    expect(created.status).toBe(201);
    const seen = JSON.parse(decodeURIComponent(created.headers.get('x-seen-body')!));
    expect(seen).toEqual({ ...body, timeZone: 'Europe/Paris' });
    const wrong = await client.put(`/v1/establishments/${UAI}`, { ...body, colour: 'blue', type: 'castle' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/body/colour', detail: 'is not a known field of this record' },
      { pointer: '/body/type', detail: 'must be one of "ecole", "college", "lycee", "lycee-pro", "erea", "other"' },
    ]));
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await client.request('PUT', `/v1/establishments/${UAI}`, { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({
      type: `${PUBLIC_URL}/problems/unsupported-media-type`,
      status: 415,
      detail: 'the body must be application/json (got "text/plain")',
    });
  });

  it('answers 404 for a path the API does not have, and 405 with Allow for a method it does not take', async () => {
    const missing = await client.get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: `${PUBLIC_URL}/problems/not-found`, status: 404 });
    const method = await client.request('DELETE', `/v1/establishments/${UAI}`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'PUT']);
    expect(method.body).toMatchObject({ type: `${PUBLIC_URL}/problems/method-not-allowed`, status: 405 });
  });

  it('leaves paths outside /v1 alone', async () => {
    const response = await client.get('/health?anything=1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});

describe('documentation', () => {
  it('serves the bundled document at /openapi.json', async () => {
    const response = await client.get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual(loadOpenApiDocument('https://passerelle.example.fr/api'));
  });

  it('serves Swagger UI at /docs from local assets only, under helmet\'s CSP', async () => {
    const redirect = await client.get('/docs', { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('docs/');

    const page = await client.get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = String(page.body);
    const scripts = [...html.matchAll(/<script[^>]*\bsrc=["']([^"']+)["']/g)].map((m) => m[1]);
    expect(scripts).toEqual(['./swagger-ui-bundle.js', './swagger-ui-standalone-preset.js', './swagger-ui-init.js']);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/); // no inline script: the CSP would block it

    const init = await client.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(String(init.body)).toContain('"validatorUrl": null');
    expect(String(init.body)).toContain('"operationId": "listPeople"');
    const bundle = await client.request('HEAD', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });
});
