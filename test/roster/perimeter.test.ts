import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient, updateClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, division, establishment, guardian, LYON, newUai, pupil, upsert, VILLEURBANNE } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const collegeA = newUai('069');
const collegeB = newUai('069');
const collegeC = newUai('001');
const pupilA = pupil();

beforeAll(async () => {
  t = await startTestGateway('perimeter');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(collegeA, LYON));
  await putEstablishment(db, establishment(collegeB, VILLEURBANNE));
  await putEstablishment(db, establishment(collegeC, BOURG));
  await applyBatch(db, collegeA, [upsert('person', pupilA), upsert('person', guardian())] as never);
  await applyBatch(db, collegeB, [upsert('person', pupil())] as never);
  await applyBatch(db, collegeC, [upsert('person', pupil())] as never);
});
afterAll(async () => t?.close());

const client = (scopes: string[], perimeter: string[]) => createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes, perimeter });

describe('perimeters', () => {
  it('a client of collège A gets 404 on collège B, exactly as for a missing establishment', async () => {
    const { token } = await client(['roster.read'], [`uai:${collegeA}`]);
    const http = api(t.baseUrl, token);
    expect((await http.get(`/v1/establishments/${collegeA}`)).status).toBe(200);
    expect((await http.get(`/v1/establishments/${collegeA}/people`)).status).toBe(200);

    const outside = await http.get(`/v1/establishments/${collegeB}/people`);
    const missingUai = newUai('069');
    const missing = await http.get(`/v1/establishments/${missingUai}/people`);
    expect(outside.status).toBe(404);
    expect(missing.status).toBe(404);
    const { instance: _a, detail: detailOutside, ...outsideRest } = outside.body as Record<string, unknown>;
    const { instance: _b, detail: detailMissing, ...missingRest } = missing.body as Record<string, unknown>;
    expect(outsideRest).toEqual(missingRest);
    expect(detailOutside).toBe(`no establishment ${collegeB} in your perimeter`);
    expect(detailMissing).toBe(`no establishment ${missingUai} in your perimeter`);
    expect((await http.get(`/v1/establishments/${collegeB}`)).status).toBe(404);

    const list = await http.get('/v1/establishments');
    expect((list.body as { data: { uai: string }[] }).data.map((e) => e.uai)).toEqual([collegeA]);
  });

  it('a département client sees all its collèges and none of another département', async () => {
    const { token } = await client(['roster.read'], ['departement:069']);
    const http = api(t.baseUrl, token);
    const list = await http.get('/v1/establishments?type=college');
    const uais = (list.body as { data: { uai: string }[] }).data.map((e) => e.uai);
    expect(uais.sort()).toEqual([collegeA, collegeB].sort());
    expect((await http.get(`/v1/establishments/${collegeB}/people`)).status).toBe(200);
    expect((await http.get(`/v1/establishments/${collegeC}`)).status).toBe(404);
    const byCommune = await http.get('/v1/establishments?communeCode=69266');
    expect((byCommune.body as { data: { uai: string }[] }).data.map((e) => e.uai)).toEqual([collegeB]);
  });

  it('a collège added later is visible to its département at once', async () => {
    const { token } = await client(['roster.read'], ['departement:069']);
    const http = api(t.baseUrl, token);
    const added = newUai('069');
    expect((await http.get(`/v1/establishments/${added}`)).status).toBe(404);
    await putEstablishment(t.gateway.store.db, establishment(added, LYON));
    expect((await http.get(`/v1/establishments/${added}`)).status).toBe(200);
    expect((await http.get(`/v1/establishments/${added}/people`)).status).toBe(200);
  });

  it('a national client sees every establishment; an académie client those of its académie', async () => {
    const national = api(t.baseUrl, (await client(['timetable.read'], ['national'])).token);
    const all = (await national.get('/v1/establishments')).body as { data: { uai: string }[] };
    expect(all.data.map((e) => e.uai)).toEqual(expect.arrayContaining([collegeA, collegeB, collegeC]));
    const other = api(t.baseUrl, (await client(['timetable.read'], ['academie:01'])).token);
    expect(((await other.get('/v1/establishments')).body as { data: unknown[] }).data).toEqual([]);
  });
});

describe('client changes', () => {
  it('apply at the next request, although the gateway keeps clients in a cache', async () => {
    const db = t.gateway.store.db;
    const { clientId, token } = await client(['roster.read', 'timetable.read'], [`uai:${collegeA}`]);
    const http = api(t.baseUrl, token);
    expect((await http.get(`/v1/establishments/${collegeA}/people`)).status).toBe(200);

    await updateClient(db, clientId, { perimeter: [`uai:${collegeB}`] });
    expect((await http.get(`/v1/establishments/${collegeA}/people`)).status).toBe(404);
    expect((await http.get(`/v1/establishments/${collegeB}/people`)).status).toBe(200);
    expect(((await http.get('/v1/establishments')).body as { data: { uai: string }[] }).data.map((e) => e.uai)).toEqual([collegeB]);

    await updateClient(db, clientId, { scopes: ['timetable.read'] });
    expect((await http.get(`/v1/establishments/${collegeB}/people`)).status).toBe(403);
    expect((await http.get(`/v1/establishments/${collegeB}/groups`)).status).toBe(200);

    await revokeClient(db, clientId);
    const revoked = await http.get(`/v1/establishments/${collegeB}/groups`);
    expect(revoked.status).toBe(401);
    expect((revoked.body as { detail: string }).detail).toContain('revoked');
  });
});

describe('scopes and projection', () => {
  it('answers 401 problem+json without a token and with a forged one', async () => {
    const anonymous = await api(t.baseUrl).get(`/v1/establishments/${collegeA}/people`);
    expect(anonymous.status).toBe(401);
    expect((anonymous.body as { type: string }).type).toBe(`${t.baseUrl}/problems/unauthorized`);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const { token } = await client(['roster.read'], ['national']);
    const [header, payload] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: 'admin' })).toString('base64url')}.${token.split('.')[2]}`;
    const rejected = await api(t.baseUrl, forged).get('/v1/establishments');
    expect(rejected.status).toBe(401);
  });

  it('answers 403 naming the scope when the client lacks it, but still lists establishments', async () => {
    const http = api(t.baseUrl, (await client(['occupancy.read'], ['national'])).token);
    const people = await http.get(`/v1/establishments/${collegeA}/people`);
    expect(people.status).toBe(403);
    expect((people.body as { type: string; detail: string }).type).toBe(`${t.baseUrl}/problems/insufficient-scope`);
    expect((people.body as { detail: string }).detail).toContain('roster.read');
    expect((await http.get('/v1/establishments')).status).toBe(200);
    expect((await http.get(`/v1/establishments/${collegeA}/rooms`)).status).toBe(200);
    expect((await http.get(`/v1/establishments/${collegeA}/memberships`)).status).toBe(403);
  });

  it('shows INE and birth dates only with roster.identifiers, and audits every read of people', async () => {
    const plain = await client(['roster.read'], [`uai:${collegeA}`]);
    const people = (await api(t.baseUrl, plain.token).get(`/v1/establishments/${collegeA}/people?kind=pupil`)).body as { data: Record<string, unknown>[] };
    expect(people.data).toHaveLength(1);
    expect(people.data[0].familyName).toBe(pupilA.familyName);
    expect(people.data[0]).not.toHaveProperty('ine');
    expect(people.data[0]).not.toHaveProperty('birthDate');

    const identified = await client(['roster.read', 'roster.identifiers'], [`uai:${collegeA}`]);
    const full = (await api(t.baseUrl, identified.token).get(`/v1/establishments/${collegeA}/people?kind=pupil`)).body as { data: Record<string, unknown>[] };
    expect(full.data[0].ine).toBe(pupilA.ine);
    expect(full.data[0].birthDate).toBe(pupilA.birthDate);

    const changes = (await api(t.baseUrl, plain.token).get('/v1/changes')).body as { data: { entity: string; record: Record<string, unknown> }[] };
    const person = changes.data.find((c) => c.entity === 'person' && c.record.id === pupilA.id)!;
    expect(person.record).not.toHaveProperty('ine');

    const audit = await t.gateway.store.db.selectFrom('audit_log').selectAll().where('client_id', 'in', [plain.clientId, identified.clientId]).orderBy('id').execute();
    expect(audit.map((a) => [a.client_id, a.uai, a.entity, a.count])).toEqual([
      [plain.clientId, collegeA, 'person', 1],
      [identified.clientId, collegeA, 'person', 1],
      [plain.clientId, collegeA, 'person', 2],
    ]);
  });

  it("keeps ids from identifying sources (ONDE knows a pupil by its INE) behind roster.identifiers, in listings, changes and tombstones", async () => {
    const db = t.gateway.store.db;
    const ecole = newUai('069');
    await putEstablishment(db, establishment(ecole, LYON));
    const lina = pupil({ sourceIds: undefined });
    const cm2 = division('CM2');
    const ine = lina.ine as string;
    await applyBatch(db, ecole, [
      upsert('person', { ...lina, sourceIds: { onde: ine, aaf: '2000123' } }),
      upsert('group', { ...cm2, sourceIds: { onde: 'CM2' } }),
      upsert('membership', { id: crypto.randomUUID(), personId: lina.id, groupId: cm2.id, role: 'pupil', sourceIds: { onde: `${ine}/CM2` } }),
    ] as never);
    const sourceIdsOf = (body: unknown) => Object.fromEntries(((body as { data: Record<string, unknown>[] }).data).map((r) => [r.id ?? (r.record as { id: string }).id, (r.sourceIds ?? (r.record as { sourceIds: unknown }).sourceIds)]));

    const plain = await client(['roster.read'], [`uai:${ecole}`]);
    const http = api(t.baseUrl, plain.token);
    expect(sourceIdsOf((await http.get(`/v1/establishments/${ecole}/people`)).body)).toEqual({ [lina.id as string]: { aaf: '2000123' } });
    const memberships = (await http.get(`/v1/establishments/${ecole}/memberships`)).body as { data: Record<string, unknown>[] };
    expect(memberships.data.map((m) => m.sourceIds)).toEqual([{}]);
    expect(JSON.stringify((await http.get('/v1/changes')).body)).not.toContain(ine);

    const identified = await client(['roster.read', 'roster.identifiers'], [`uai:${ecole}`]);
    const full = api(t.baseUrl, identified.token);
    expect(sourceIdsOf((await full.get(`/v1/establishments/${ecole}/people`)).body)).toEqual({ [lina.id as string]: { onde: ine, aaf: '2000123' } });
    expect(JSON.stringify((await full.get('/v1/changes')).body)).toContain(`${ine}/CM2`);

    // Leaving the client's perimeter, the records are announced deleted with tombstones made there and then.
    const { cursor } = (await http.get('/v1/changes')).body as { cursor: string };
    await updateClient(db, plain.clientId, { perimeter: [`uai:${collegeA}`] });
    const leaving = (await http.get(`/v1/changes?since=${encodeURIComponent(cursor)}&limit=1000`)).body as { data: { id: string; op: string; record: Record<string, unknown> }[] };
    const tombstones = leaving.data.filter((e) => e.op === 'delete' && e.record.uai === ecole);
    expect(tombstones).toHaveLength(4);
    expect(JSON.stringify(tombstones)).not.toContain(ine);
    expect(tombstones.find((e) => e.id === lina.id)!.record.sourceIds).toEqual({ aaf: '2000123' });
  });
});
