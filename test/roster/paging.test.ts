import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let token: string;
const uai = newUai('069');
const people = Array.from({ length: 2500 }, (_, i) => pupil({ familyName: `Famille${i}` }));

interface ListBody { data: { id: string; familyName: string; updatedAt: string }[]; next: string | null; changeCursor: string }

beforeAll(async () => {
  t = await startTestGateway('paging');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(uai, LYON));
  for (let i = 0; i < people.length; i += 1000) {
    await applyBatch(db, uai, people.slice(i, i + 1000).map((p) => upsert('person', p)) as never);
  }
  token = (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${uai}`] })).token;
});
afterAll(async () => t?.close());

async function listAll(firstPath: string): Promise<{ ids: string[]; pages: number; first: ListBody }> {
  const http = api(t.baseUrl, token);
  const ids: string[] = [];
  let url: string | null = firstPath;
  let pages = 0;
  let first: ListBody | undefined;
  while (url) {
    const response = await http.get(url.replace(t.baseUrl, ''));
    expect(response.status).toBe(200);
    const body = response.body as ListBody;
    first ??= body;
    ids.push(...body.data.map((p) => p.id));
    if (body.next) expect(response.headers.get('link')).toBe(`<${body.next}>; rel="next"`);
    else expect(response.headers.get('link')).toBeNull();
    url = body.next;
    pages += 1;
  }
  return { ids, pages, first: first! };
}

describe('paging', () => {
  it('returns each of 2,500 people exactly once over pages of 1,000, with a total on request', async () => {
    const { ids, pages } = await listAll(`/v1/establishments/${uai}/people?limit=1000`);
    expect(pages).toBe(3);
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect(new Set(ids)).toEqual(new Set(people.map((p) => p.id)));
    const counted = await api(t.baseUrl, token).get(`/v1/establishments/${uai}/people?limit=10&count=true`);
    expect(counted.headers.get('x-total-count')).toBe('2500');
  });

  it('keeps one snapshot while the data moves: changed records are left to the change feed, none lost or repeated', async () => {
    const http = api(t.baseUrl, token);
    const first = await http.get(`/v1/establishments/${uai}/people?limit=1000`);
    const body = first.body as ListBody;
    const seen = body.data.map((p) => p.id);
    // While the consumer pages, a person it has not reached yet changes and a new one arrives.
    const lastOfAll = [...people].sort((a, b) => String(a.id).localeCompare(String(b.id)))[2499];
    const newcomer = pupil({ familyName: 'Nouvelle' });
    await applyBatch(t.gateway.store.db, uai, [upsert('person', { ...lastOfAll, givenName: 'Changé' }), upsert('person', newcomer)] as never);
    let next = body.next;
    while (next) {
      const page = (await http.get(next.replace(t.baseUrl, ''))).body as ListBody;
      seen.push(...page.data.map((p) => p.id));
      next = page.next;
    }
    expect(seen).toHaveLength(2499);
    expect(seen).not.toContain(lastOfAll.id);
    expect(seen).not.toContain(newcomer.id);
    const changes = (await http.get(`/v1/changes?since=${encodeURIComponent(body.changeCursor)}`)).body as { data: { id: string; record: { givenName: string } }[]; hasMore: boolean };
    expect(changes.data.map((c) => c.id).sort()).toEqual([lastOfAll.id, newcomer.id].sort());
    expect(changes.hasMore).toBe(false);
    const union = new Set([...seen, ...changes.data.map((c) => c.id)]);
    expect(union.size).toBe(2501);
  });

  it('answers 304 to If-None-Match while the page is unchanged, and 200 once it changes', async () => {
    const http = api(t.baseUrl, token);
    const path = `/v1/establishments/${uai}/people?limit=5`;
    const first = await http.get(path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await http.get(path, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const shown = (first.body as ListBody).data[0];
    await applyBatch(t.gateway.store.db, uai, [upsert('person', { ...people.find((p) => p.id === shown.id)!, givenName: 'Autre' })] as never);
    const after = await http.get(path, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);

    const one = await http.get(`/v1/establishments/${uai}`);
    expect((await http.get(`/v1/establishments/${uai}`, { headers: { 'if-none-match': one.headers.get('etag')! } })).status).toBe(304);
  });

  it('rejects a cursor it did not issue, and limits outside 1..1000, naming the parameter', async () => {
    const http = api(t.baseUrl, token);
    const bad = await http.get(`/v1/establishments/${uai}/people?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/query/cursor');
    for (const limit of ['0', '1001', 'ten']) {
      const response = await http.get(`/v1/establishments/${uai}/people?limit=${limit}`);
      expect(response.status).toBe(400);
      expect((response.body as { detail: string }).detail).toContain('/query/limit');
    }
  });
});
