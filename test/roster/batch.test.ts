import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { division, establishment, guardian, LYON, newUai, pupil, remove, upsert, BOURG } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let writer: ReturnType<typeof api>;
let admin: ReturnType<typeof api>;
const uai = newUai('069');

interface Problem { type: string; status: number; detail: string; errors?: { pointer: string; detail: string }[] }

beforeAll(async () => {
  t = await startTestGateway('batch');
  const db = t.gateway.store.db;
  admin = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['admin'], perimeter: ['departement:069'] })).token);
  writer = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: ['departement:069'] })).token);
  expect((await admin.put(`/v1/establishments/${uai}`, establishment(uai, LYON))).status).toBe(201);
});
afterAll(async () => t?.close());

const countRecords = async () =>
  Number((await t.gateway.store.db.selectFrom('roster_record').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

describe('PUT /v1/establishments/{uai}', () => {
  it('creates (201), updates (200), and keeps the same id', async () => {
    const other = newUai('069');
    const created = await admin.put(`/v1/establishments/${other}`, establishment(other, LYON));
    expect(created.status).toBe(201);
    const updated = await admin.put(`/v1/establishments/${other}`, establishment(other, LYON, { name: 'Collège Jean Moulin' }));
    expect(updated.status).toBe(200);
    expect((updated.body as { id: string; name: string }).id).toBe((created.body as { id: string }).id);
    expect((updated.body as { name: string }).name).toBe('Collège Jean Moulin');
  });

  it('honours If-Match: a stale ETag gets 412 and changes nothing', async () => {
    const other = newUai('069');
    const created = await admin.put(`/v1/establishments/${other}`, establishment(other, LYON));
    const etag = created.headers.get('etag')!;
    const fresh = await admin.put(`/v1/establishments/${other}`, establishment(other, LYON, { name: 'Collège A' }), { headers: { 'if-match': etag } });
    expect(fresh.status).toBe(200);
    const stale = await admin.put(`/v1/establishments/${other}`, establishment(other, LYON, { name: 'Collège B' }), { headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(((await admin.get(`/v1/establishments/${other}`)).body as { name: string }).name).toBe('Collège A');
  });

  it('refuses an establishment outside the admin perimeter, and a body whose UAI differs from the path', async () => {
    const elsewhere = newUai('001');
    const outside = await admin.put(`/v1/establishments/${elsewhere}`, establishment(elsewhere, BOURG));
    expect(outside.status).toBe(403);
    const mismatch = await admin.put(`/v1/establishments/${uai}`, establishment(newUai('069'), LYON));
    expect(mismatch.status).toBe(400);
    expect((mismatch.body as Problem).errors![0].pointer).toBe('/body/uai');
  });

  it('answers 403 without the admin scope', async () => {
    expect((await writer.put(`/v1/establishments/${uai}`, establishment(uai, LYON))).status).toBe(403);
  });
});

describe('POST /v1/establishments/{uai}/batch', () => {
  it('applies a batch in one go and reports each outcome', async () => {
    const p = pupil();
    const g = guardian();
    const d = division('5B');
    const first = await writer.post(`/v1/establishments/${uai}/batch`, { records: [
      upsert('person', p), upsert('person', g), upsert('group', d),
      upsert('membership', { id: randomUUID(), personId: p.id, groupId: d.id, role: 'pupil', startDate: '2026-09-01' }),
      upsert('guardianLink', { id: randomUUID(), guardianId: g.id, pupilId: p.id, legalRepresentative: true }),
    ] });
    expect(first.status).toBe(200);
    expect((first.body as { counts: unknown }).counts).toEqual({ created: 5, updated: 0, unchanged: 0, deleted: 0 });

    const second = await writer.post(`/v1/establishments/${uai}/batch`, { records: [
      upsert('person', p), upsert('person', { ...g, givenName: 'Odile' }), remove('group', { id: d.id }),
    ] });
    expect((second.body as { counts: unknown }).counts).toEqual({ created: 0, updated: 1, unchanged: 1, deleted: 1 });
    const members = await writer.get(`/v1/establishments/${uai}/people?groupId=${d.id}`);
    expect((members.body as { data: { id: string }[] }).data.map((x) => x.id)).toEqual([p.id]);
  });

  it('matches records by source id, so a source can upsert without knowing gateway ids', async () => {
    const p = { ...pupil(), id: undefined, sourceIds: { onde: 'E-123' } };
    const created = await writer.post(`/v1/establishments/${uai}/batch`, { records: [upsert('person', p)] });
    const id = (created.body as { results: { id: string }[] }).results[0].id;
    const again = await writer.post(`/v1/establishments/${uai}/batch`, { records: [upsert('person', { ...p, givenName: 'Zoé' })] });
    expect((again.body as { results: { id: string; outcome: string }[] }).results[0]).toMatchObject({ id, outcome: 'updated' });
  });

  it('writes nothing when one record is invalid, and names each bad record and field', async () => {
    const before = await countRecords();
    const response = await writer.post(`/v1/establishments/${uai}/batch`, { records: [
      upsert('person', pupil()),
      upsert('person', pupil({ ine: '1234567890Q' })),
      upsert('person', pupil()),
      upsert('person', guardian({ givenName: undefined, ine: pupil().ine })),
      upsert('membership', { id: randomUUID(), personId: randomUUID(), groupId: randomUUID(), role: 'pupil' }),
    ] });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = response.body as Problem;
    expect(problem.type).toBe(`${t.baseUrl}/problems/validation`);
    expect(problem.detail).toMatch(/^3 invalid record\(s\), nothing was written: \/records\/1\/record\/ine must be an INE/);
    expect(problem.errors!.map((e) => e.pointer)).toEqual([
      '/records/1/record/ine',
      '/records/3/record/ine',
      '/records/3/record/givenName',
      '/records/4/record/personId',
      '/records/4/record/groupId',
    ]);
    expect(problem.errors![1].detail).toBe('is not allowed on this kind of record');
    expect(problem.errors![3].detail).toBe(`must be the id of a person of establishment ${uai} (no such active record)`);
    expect(await countRecords()).toBe(before);
  });

  it('answers 404 for a UAI the store does not hold, whatever its letter, and 400 naming the path for one not UAI-shaped', async () => {
    const otherLetter = `${uai.slice(0, 7)}${uai[7] === 'A' ? 'B' : 'A'}`;
    const missing = await writer.post(`/v1/establishments/${otherLetter}/batch`, { records: [upsert('person', pupil())] });
    expect(missing.status).toBe(404);
    const response = await writer.post(`/v1/establishments/${uai.slice(0, 7)}/batch`, { records: [upsert('person', pupil())] });
    expect(response.status).toBe(400);
    const problem = response.body as Problem;
    expect(problem.errors![0].pointer).toBe('/path/uai');
  });

  it('rejects an unknown entity or operation, and a batch for an establishment outside the perimeter', async () => {
    const wrong = await writer.post(`/v1/establishments/${uai}/batch`, { records: [{ entity: 'pupil', op: 'upsert', record: {} }] });
    expect(wrong.status).toBe(400);
    expect((wrong.body as Problem).errors![0].pointer).toMatch(/^\/body\/records\/0\/entity|^\/records\/0\/entity/);
    const outside = newUai('001');
    const response = await writer.post(`/v1/establishments/${outside}/batch`, { records: [upsert('person', pupil())] });
    expect(response.status).toBe(404);
  });
});

describe('links by source identifier', () => {
  it('resolves a membership given by the source ids of its person and class, stored or earlier in the batch', async () => {
    const records = [
      { entity: 'person', op: 'upsert', record: { ...pupil({ id: undefined }), sourceIds: { onde: 'P-1' } } },
      { entity: 'group', op: 'upsert', record: { kind: 'division', code: 'CM2A', sourceIds: { onde: 'C-1' } } },
      { entity: 'membership', op: 'upsert', record: { role: 'pupil', sourceIds: { onde: 'P-1/C-1' } },
        links: { personId: { source: 'onde', id: 'P-1' }, groupId: { source: 'onde', id: 'C-1' } } },
    ];
    const first = await writer.post(`/v1/establishments/${uai}/batch`, { records });
    expect(first.status).toBe(200);
    const [personId, groupId, membershipId] = (first.body as { results: { id: string }[] }).results.map((r) => r.id);
    const memberships = (await writer.get(`/v1/establishments/${uai}/memberships?groupId=${groupId}`)).body as { data: Record<string, unknown>[] };
    expect(memberships.data).toEqual([expect.objectContaining({ id: membershipId, personId, groupId, role: 'pupil' })]);
    // Sent again, alone: the links resolve against the stored records and nothing changes.
    const again = await writer.post(`/v1/establishments/${uai}/batch`, { records: [records[2]] });
    expect((again.body as { counts: unknown }).counts).toEqual({ created: 0, updated: 0, unchanged: 1, deleted: 0 });
  });

  it("resolves a teacher membership's subjects given as an array of source ids, and names each one that is missing", async () => {
    const teacher = { entity: 'person', op: 'upsert', record: { kind: 'teacher', familyName: 'ROUX', givenName: 'Paul', sourceIds: { 'sts-web': 'T-1' } } };
    const classe = { entity: 'group', op: 'upsert', record: { kind: 'division', code: '5B', level: '5E', levelSource: '5EME', sourceIds: { 'sts-web': '5B' } } };
    const subjects = ['061300', '020700'].map((code) => ({ entity: 'subject', op: 'upsert', record: { code, name: code, sourceIds: { 'sts-web': code } } }));
    const teaching = (ids: string[], role = 'teacher') => ({ entity: 'membership', op: 'upsert', record: { role, sourceIds: { 'sts-web': `T-1@5B/${role}` } },
      links: { personId: { source: 'sts-web', id: 'T-1' }, groupId: { source: 'sts-web', id: '5B' }, subjectIds: ids.map((id) => ({ source: 'sts-web', id })) } });
    const response = await writer.post(`/v1/establishments/${uai}/batch`, { records: [teacher, classe, ...subjects, teaching(['061300', '020700'])] });
    expect(response.status).toBe(200);
    const [, , maths, french, membershipId] = (response.body as { results: { id: string }[] }).results.map((r) => r.id);
    const stored = (await writer.get(`/v1/establishments/${uai}/memberships?role=teacher`)).body as { data: Record<string, unknown>[] };
    expect(stored.data.find((m) => m.id === membershipId)).toMatchObject({ role: 'teacher', subjectIds: [maths, french] });

    const refused = await writer.post(`/v1/establishments/${uai}/batch`, { records: [
      teaching(['061300', 'nothing']),
      teaching(['061300'], 'pupil'),
      { ...teaching([]), links: { personId: { source: 'sts-web', id: 'T-1' }, groupId: { source: 'sts-web', id: '5B' }, subjectIds: { source: 'sts-web', id: '061300' } } },
    ] });
    expect(refused.status).toBe(400);
    expect((refused.body as Problem).errors).toEqual([
      { pointer: '/records/0/links/subjectIds/1', detail: `no subject of ${uai} has the sts-web identifier "nothing" (stored, or earlier in the batch)` },
      expect.objectContaining({ pointer: expect.stringMatching(/^\/records\/1\/record/) }),
      { pointer: '/records/2/links/subjectIds', detail: 'must be an array of { "source": "<source name>", "id": "<that source\'s identifier>" }' },
    ]);
  });

  it('names a link whose target does not exist, and a field that is not a link', async () => {
    const response = await writer.post(`/v1/establishments/${uai}/batch`, { records: [
      { entity: 'membership', op: 'upsert', record: { role: 'pupil', sourceIds: { onde: 'X/Y' } },
        links: { personId: { source: 'onde', id: 'nobody' }, groupId: { source: 'onde', id: 'C-1' } } },
      { entity: 'person', op: 'upsert', record: { ...pupil({ id: undefined }), sourceIds: { onde: 'P-9' } }, links: { groupId: { source: 'onde', id: 'C-1' } } },
    ] });
    expect(response.status).toBe(400);
    expect((response.body as Problem).errors).toEqual([
      { pointer: '/records/0/links/personId', detail: `no person of ${uai} has the onde identifier "nobody" (stored, or earlier in the batch)` },
      { pointer: '/records/1/links/groupId', detail: 'a person has no links' },
    ]);
  });
});
