// The batch endpoint is no oracle: its answers never confirm who holds an identifier (an INE guessed by a
// client that may not read INEs) or which establishment holds a record id.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../../gateway/store/records.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newIne, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Problem { type: string; status: number; detail: string; errors: { pointer: string; detail: string }[] }
interface BatchAnswer { results: { id: string; outcome: string }[] }

let t: TestGateway;
let withoutIdentifiers: Api;
let withIdentifiers: Api;
const uai = newUai('069');
const otherSchool = newUai('069');
const heldIne = newIne();
const holder = pupil({ ine: heldIne, sourceIds: { sis: 'holder' } });
const mine = pupil({ ine: undefined, sourceIds: { sis: 'mine' } });
const elsewhere = pupil();

beforeAll(async () => {
  t = await startTestGateway('batch_oracle');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(uai, LYON));
  await putEstablishment(db, establishment(otherSchool, LYON));
  await applyBatch(db, uai, [upsert('person', holder), upsert('person', mine)] as never);
  await applyBatch(db, otherSchool, [upsert('person', elsewhere)] as never);
  withoutIdentifiers = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: [`uai:${uai}`] })).token);
  withIdentifiers = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read', 'roster.identifiers'], perimeter: [`uai:${uai}`] })).token);
});
afterAll(async () => t?.close());

/** My own record, sent again with a guessed INE: the probe of the INE oracle. */
const probe = (client: Api, ine: string) =>
  client.post<BatchAnswer & Problem>(`/v1/establishments/${uai}/batch`, {
    records: [upsert('person', { kind: 'pupil', familyName: 'Martin', givenName: 'Léa', ine, sourceIds: { sis: 'mine' } })],
  });

describe('a client without roster.identifiers', () => {
  it('gets the same answer whether the INE it sends is held by another person or by nobody', async () => {
    const held = await probe(withoutIdentifiers, heldIne);
    const free = await probe(withoutIdentifiers, newIne());
    expect(held.status).toBe(200);
    expect(free.status).toBe(200);
    expect(held.body.results).toEqual([{ index: 0, entity: 'person', op: 'upsert', id: mine.id, outcome: 'updated' }]);
    expect(free.body.results).toEqual([{ index: 0, entity: 'person', op: 'upsert', id: mine.id, outcome: 'updated' }]);
    expect(JSON.stringify(held.body)).not.toContain(holder.id as string);
  });
});

describe('batch errors', () => {
  it('do not name the record that holds a conflicting identifier', async () => {
    const answer = await probe(withIdentifiers, heldIne);
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/validation`);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/sourceIds/sis', detail: expect.stringContaining('designates another person') }]);
    expect(JSON.stringify(answer.body)).not.toContain(holder.id as string);
    expect(JSON.stringify(answer.body)).not.toContain(mine.id as string);
  });

  it('do not say which establishment holds a record id', async () => {
    const answer = await withoutIdentifiers.post<Problem>(`/v1/establishments/${uai}/batch`, {
      records: [upsert('person', { ...pupil(), id: elsewhere.id })],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/id', detail: expect.stringContaining(`is not the id of a person of ${uai}`) }]);
    expect(JSON.stringify(answer.body)).not.toContain(otherSchool);
  });

  it('answer a random id that no record holds by creating it, like any new id', async () => {
    const id = randomUUID();
    const answer = await withoutIdentifiers.post<BatchAnswer>(`/v1/establishments/${uai}/batch`, { records: [upsert('person', { ...pupil(), id })] });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toMatchObject({ id, outcome: 'created' });
  });
});
