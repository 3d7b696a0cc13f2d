// Every GET operation of the contract, called with generated parameters, some valid and some not: the gateway
// never answers 5xx, and every answer matches the document (api() checks each one).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../gateway/auth/scopes.js';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { valueAtPointer } from '../../gateway/model/json-pointer.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, guardian, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Json = Record<string, unknown>;
const document = loadOpenApiDocument();
const resolve = (node: Json): Json => (typeof node.$ref === 'string' ? resolve(valueAtPointer(document, node.$ref.slice(1)) as Json) : node);

let t: TestGateway;
let token: string;
const uai = newUai('069');

beforeAll(async () => {
  t = await startTestGateway('fuzz');
  await putEstablishment(t.gateway.store.db, establishment(uai, LYON));
  const p = pupil();
  await applyBatch(t.gateway.store.db, uai, [upsert('person', p), upsert('person', guardian())] as never);
  token = (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: [...SCOPES], perimeter: ['national'] })).token;
});
afterAll(async () => t?.close());

/** Values for a parameter: mostly what its schema allows, sometimes what it does not. */
function valuesFor(name: string, schema: Json): fc.Arbitrary<string> {
  const garbage = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '%00', '-1', 'null', '9'.repeat(30)));
  let valid: fc.Arbitrary<string>;
  if (Array.isArray(schema.enum)) valid = fc.constantFrom(...(schema.enum as string[]));
  else if (schema.type === 'integer') valid = fc.integer({ min: (schema.minimum as number ?? 0) - 2, max: (schema.maximum as number ?? 1000) + 2 }).map(String);
  else if (schema.type === 'boolean') valid = fc.constantFrom('true', 'false');
  else if (schema.format === 'date-time') valid = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema.format === 'uuid') valid = fc.uuid();
  else if (schema.format === 'uai') valid = fc.constantFrom(uai, newUai('069'), newUai('001'));
  else if (typeof schema.pattern === 'string') valid = fc.stringMatching(new RegExp(schema.pattern));
  else valid = fc.string({ minLength: 1, maxLength: 40 });
  return name === 'uai' ? fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: garbage.filter((g) => g !== '' && !g.includes('/') && !g.includes('?') && !g.includes('#')) })
    : fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: garbage });
}

const operations = Object.entries(document.paths as Record<string, Json>)
  .filter(([path, item]) => path.startsWith('/v1') && item.get)
  .map(([path, item]) => ({ path, parameters: (((item.get as Json).parameters ?? []) as Json[]).map(resolve) }));

describe('generated requests', () => {
  it.each(operations.map((o) => [o.path, o] as const))('%s never answers 5xx and always matches the contract', async (_path, operation) => {
    const query = operation.parameters.filter((p) => p.in === 'query');
    const pathParams = operation.parameters.filter((p) => p.in === 'path');
    const args = fc.record({
      path: fc.tuple(...pathParams.map((p) => valuesFor(p.name as string, resolve(p.schema as Json)))),
      query: fc.tuple(...query.map((p) => fc.option(valuesFor(p.name as string, resolve(p.schema as Json)), { nil: undefined }))),
    });
    await fc.assert(fc.asyncProperty(args, async ({ path, query: values }) => {
      let url = operation.path;
      pathParams.forEach((p, i) => { url = url.replace(`{${p.name as string}}`, encodeURIComponent(path[i])); });
      const search = new URLSearchParams();
      query.forEach((p, i) => { if (values[i] !== undefined) search.set(p.name as string, values[i]!); });
      const response = await api(t.baseUrl, token).get(`${url}${search.size ? `?${search}` : ''}`);
      expect(response.status).toBeLessThan(500);
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 40) });
  }, 120_000);
});

describe('cursors', () => {
  it('answers 400, not 500, to a well-formed cursor whose content this listing could not have issued', async () => {
    const forged = (state: object) => Buffer.from(JSON.stringify(state)).toString('base64url');
    const http = api(t.baseUrl, token);
    for (const cursor of [forged({ c: '9223372036854775807', a: 'not-a-uuid' }), forged({ c: '1', a: "x'); drop table roster_record; --" })]) {
      const response = await http.get(`/v1/establishments/${uai}/people?cursor=${cursor}`);
      expect(response.status).toBe(400);
      expect((response.body as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/query/cursor');
    }
    for (const since of [forged({ s: '99999999999' }), forged({ s: '0', t: '5', p: 'enter', a: 'zz' })]) {
      const response = await http.get(`/v1/changes?since=${since}`);
      expect(response.status).toBe(400);
    }
  });
});

describe('generated writes', () => {
  const entities = ['person', 'group', 'membership', 'guardianLink', 'subject', 'room', 'academicYear', 'establishment', 'pupil'];
  const recordLike = fc.record({
    id: fc.option(fc.oneof(fc.uuid(), fc.string(), fc.integer()), { nil: undefined }),
    sourceIds: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer())), fc.string(), fc.constant(null)), { nil: undefined }),
    kind: fc.option(fc.constantFrom('pupil', 'teacher', 'guardian', 'division', 'group', 'alien'), { nil: undefined }),
    familyName: fc.option(fc.string(), { nil: undefined }),
    givenName: fc.option(fc.string(), { nil: undefined }),
    ine: fc.option(fc.oneof(fc.constant(pupil().ine), fc.string({ maxLength: 12 })), { nil: undefined }),
    personId: fc.option(fc.oneof(fc.uuid(), fc.string()), { nil: undefined }),
    groupId: fc.option(fc.uuid(), { nil: undefined }),
    role: fc.option(fc.constantFrom('pupil', 'teacher', 'x'), { nil: undefined }),
    code: fc.option(fc.string(), { nil: undefined }),
    capacity: fc.option(fc.oneof(fc.integer(), fc.string()), { nil: undefined }),
  }, { requiredKeys: [] });
  const operation = fc.record({ entity: fc.constantFrom(...entities), op: fc.constantFrom('upsert', 'delete', 'merge'), record: fc.oneof({ weight: 5, arbitrary: recordLike }, { weight: 1, arbitrary: fc.anything() }) });

  it('a batch never answers 5xx, and a rejected one writes nothing', async () => {
    const http = api(t.baseUrl, token);
    const count = async () => Number((await t.gateway.store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    await fc.assert(fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 6 }), async (records) => {
      const before = await count();
      const response = await http.post(`/v1/establishments/${uai}/batch`, { records });
      expect(response.status).toBeLessThan(500);
      if (response.status !== 200) expect(await count()).toBe(before);
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 60) });
  }, 120_000);

  it('PUT of an establishment never answers 5xx', async () => {
    const http = api(t.baseUrl, token);
    const body = fc.record({
      name: fc.option(fc.string(), { nil: undefined }),
      type: fc.option(fc.constantFrom('college', 'lycee', 'ecole', 'castle'), { nil: undefined }),
      sector: fc.option(fc.constantFrom('public', 'private', 'mixed'), { nil: undefined }),
      communeCode: fc.option(fc.oneof(fc.constant('69123'), fc.string()), { nil: undefined }),
      departementCode: fc.option(fc.oneof(fc.constant('069'), fc.string()), { nil: undefined }),
      regionCode: fc.option(fc.constant('84'), { nil: undefined }),
      academieCode: fc.option(fc.constant('10'), { nil: undefined }),
      uai: fc.option(fc.oneof(fc.constant(uai), fc.string()), { nil: undefined }),
      id: fc.option(fc.oneof(fc.uuid(), fc.string()), { nil: undefined }),
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(body, async (establishmentBody) => {
      const response = await http.put(`/v1/establishments/${uai}`, establishmentBody);
      expect(response.status).toBeLessThan(500);
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 60) });
  }, 120_000);
});
