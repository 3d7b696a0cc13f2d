// The roster facts of a delivery shaped like a real AAF one (test/fixtures/aaf), as API clients read them:
// guardians' addresses and phones only with roster.contacts; relationships, pupils' levels and teachers' subjects
// per class with roster.read.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAaf } from '../../gateway/sync/import-aaf.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const FOLDER = new URL('../fixtures/aaf/', import.meta.url);
const UAI = '0693412J';
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway('facts_api');
  const files = fs.readdirSync(FOLDER).sort().map((name) => {
    const bytes = fs.readFileSync(new URL(name, FOLDER));
    return { name, size: bytes.length, open: async function* () { yield bytes; } };
  });
  await importAaf(t.gateway.store.db, { files, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }] });
});
afterAll(async () => t?.close());

const reader = async (scopes: string[]) => api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes, perimeter: [`uai:${UAI}`] })).token);

describe('the roster facts of an AAF delivery, over the API', () => {
  it("gives guardians' addresses, phones and e-mails only with roster.contacts", async () => {
    const plain = (await (await reader(['roster.read'])).get(`/v1/establishments/${UAI}/people?kind=guardian`)).body.data as Record<string, unknown>[];
    const withContacts = (await (await reader(['roster.read', 'roster.contacts'])).get(`/v1/establishments/${UAI}/people?kind=guardian`)).body.data as Record<string, unknown>[];
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((g) => !('address' in g) && !('phones' in g) && !('email' in g))).toBe(true);
    expect(withContacts.find((g) => g.sourceIds && (g.sourceIds as Record<string, string>).aaf === '3100001')).toMatchObject({
      address: { lines: ['12 RUE DES LILAS', 'BATIMENT B'], postalCode: '69003', city: 'LYON', country: 'FRANCE' },
      phones: [{ type: 'home', number: '0465710001' }, { type: 'mobile', number: '0639980001' }], email: 'julie.garnier@example.org',
    });
  });

  it('gives relationships, normalised levels and what each teacher teaches in each class with roster.read', async () => {
    const http = await reader(['roster.read']);
    const links = (await http.get(`/v1/establishments/${UAI}/guardian-links`)).body.data as { relationship: string }[];
    expect(new Set(links.map((l) => l.relationship))).toEqual(new Set(['mother', 'father', 'tutor', 'other']));
    const pupils = (await http.get(`/v1/establishments/${UAI}/people?kind=pupil`)).body.data as { level: string; levelSource: string }[];
    expect(pupils.map((p) => p.level).sort()).toEqual(['3E', '5E', '5E']);
    const teaching = (await http.get(`/v1/establishments/${UAI}/memberships?role=teacher`)).body.data as { subjectIds: string[] }[];
    const subjects = new Map(((await http.get(`/v1/establishments/${UAI}/subjects`)).body.data as { id: string; code: string }[]).map((s) => [s.id, s.code]));
    expect(teaching.flatMap((m) => m.subjectIds.map((id) => subjects.get(id))).sort()).toEqual(['020700', '021100', '061300', '061300']);
  });
});
