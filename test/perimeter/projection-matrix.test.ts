// Every listing, look-up by id and the change feed, for every combination of the read scopes: which entities and
// which fields come back. The policy is written out here, apart from the registry the gateway reads it from, so
// that a descriptor that loosens a guard fails this test. A client holding only occupancy.read gets no personal
// field and no record of a person anywhere.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { division, establishment, guardian, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const READ_SCOPES = ['roster.read', 'roster.identifiers', 'roster.contacts', 'timetable.read', 'occupancy.read'] as const;

/** Who may read each entity (any one of the scopes; none listed: every client). */
const OPENED_BY: Record<string, readonly string[]> = {
  establishment: [], academicYear: [],
  person: ['roster.read'], membership: ['roster.read'], guardianLink: ['roster.read'],
  group: ['roster.read', 'timetable.read'], subject: ['roster.read', 'timetable.read'],
  room: ['roster.read', 'timetable.read', 'occupancy.read'],
};
/** Fields that need a scope beyond the entity's. */
const GUARDED: Record<string, Record<string, string>> = {
  person: { ine: 'roster.identifiers', birthDate: 'roster.identifiers', email: 'roster.contacts', address: 'roster.contacts', phones: 'roster.contacts' },
};
/** Source ids that are INEs (ONDE's) need roster.identifiers on records of people. */
const IDENTIFYING_SOURCE = 'onde';
const PERSONAL_FIELDS = ['familyName', 'givenName', 'birthDate', 'ine', 'email', 'address', 'phones'];
const PERSONAL_ENTITIES = ['person', 'membership', 'guardianLink'];
const COLLECTIONS: Record<string, string> = {
  person: 'people', group: 'groups', membership: 'memberships', guardianLink: 'guardian-links', subject: 'subjects', room: 'rooms', academicYear: 'academic-years',
};

let t: TestGateway;
const uai = newUai('069');
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestGateway('matrix');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(uai, LYON));
  const lea = pupil({ email: 'lea@example.org', sourceIds: { onde: '' } });
  lea.sourceIds = { onde: lea.ine as string };
  const claire = guardian({ address: { lines: ['3 rue des Écoles'], postalCode: '69003', city: 'Lyon', country: 'FR' }, phones: [{ type: 'mobile', number: '0612345678' }] });
  const sixth = division('6E');
  const records = {
    person: lea,
    group: sixth,
    membership: { id: crypto.randomUUID(), personId: lea.id, groupId: sixth.id, role: 'pupil', sourceIds: { onde: `${lea.ine as string}/6A` } },
    guardianLink: { id: crypto.randomUUID(), guardianId: claire.id, pupilId: lea.id, legalRepresentative: true },
    subject: { id: crypto.randomUUID(), code: '030201', name: 'Mathématiques' },
    room: { id: crypto.randomUUID(), code: 'B12', name: 'Salle B12', building: 'B', capacity: 30 },
    academicYear: { id: crypto.randomUUID(), code: '2026-2027', startDate: '2026-09-01', endDate: '2027-07-04' },
  };
  await applyBatch(db, uai, [upsert('person', claire), ...Object.entries(records).map(([entity, record]) => upsert(entity, record))] as never);
  for (const [entity, record] of Object.entries(records)) ids[entity] = record.id as string;
});
afterAll(async () => t?.close());

/** Every subset of the read scopes. */
const combinations = Array.from({ length: 2 ** READ_SCOPES.length }, (_, mask) => READ_SCOPES.filter((_, i) => mask & (1 << i)));

interface Seen {
  entity: string;
  record: Record<string, unknown>;
  where: string;
}

async function everythingSeenWith(scopes: string[]): Promise<{ seen: Seen[]; refused: string[] }> {
  const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: scopes.length ? scopes : ['aggregates.read'], perimeter: [`uai:${uai}`] });
  const http = api(t.baseUrl, token);
  const seen: Seen[] = [];
  const refused: string[] = [];
  const establishments = await http.get('/v1/establishments');
  seen.push(...establishments.body.data.map((record: Record<string, unknown>) => ({ entity: 'establishment', record, where: 'listing' })));
  for (const [entity, collection] of Object.entries(COLLECTIONS)) {
    const listing = await http.get(`/v1/establishments/${uai}/${collection}`);
    const byId = await http.get(`/v1/${collection}/${ids[entity]}`);
    if (listing.status === 403 && byId.status === 403) {
      refused.push(entity);
      continue;
    }
    expect([listing.status, byId.status]).toEqual([200, 200]);
    seen.push(...listing.body.data.map((record: Record<string, unknown>) => ({ entity, record, where: 'listing' })));
    seen.push({ entity, record: byId.body, where: 'by id' });
    // Look-ups: by a source id; people by INE, and by ONDE's ids (which are INEs), need roster.identifiers.
    const sourceIds = byId.body.sourceIds as Record<string, string>;
    for (const [source, id] of Object.entries(sourceIds)) {
      const found = await http.get(`/v1/establishments/${uai}/${collection}?sourceId=${source}:${encodeURIComponent(id)}`);
      expect(found.status).toBe(200);
      seen.push(...found.body.data.map((record: Record<string, unknown>) => ({ entity, record, where: 'look-up' })));
    }
  }
  const pupilIne = (await t.gateway.store.db.selectFrom('roster_record').select(sql<string>`data->>'ine'`.as('ine')).where('id', '=', ids.person).executeTakeFirstOrThrow()).ine;
  for (const query of [`ine=${pupilIne}`, `sourceId=onde:${pupilIne}`]) {
    const byIne = await http.get(`/v1/establishments/${uai}/people?${query}`);
    const allowed = scopes.includes('roster.read') && scopes.includes('roster.identifiers');
    expect(byIne.status, query).toBe(allowed ? 200 : 403);
    if (allowed) expect(byIne.body.data.map((r: { id: string }) => r.id)).toEqual([ids.person]);
  }
  for (let since: string | undefined, more = true; more;) {
    const page = await http.get(`/v1/changes${since ? `?since=${encodeURIComponent(since)}` : ''}`);
    seen.push(...page.body.data.map((change: { entity: string; record: Record<string, unknown> }) => ({ entity: change.entity, record: change.record, where: 'changes' })));
    since = page.body.cursor;
    more = page.body.hasMore;
  }
  return { seen, refused };
}

describe('projection, for every combination of scopes', () => {
  it.each(combinations.map((scopes) => [scopes.join(' ') || '(no read scope)', scopes] as const))('%s', async (_, scopes) => {
    const held = new Set<string>(scopes);
    const { seen, refused } = await everythingSeenWith([...scopes]);
    for (const [entity, openers] of Object.entries(OPENED_BY)) {
      const readable = openers.length === 0 || openers.some((s) => held.has(s));
      if (entity !== 'establishment') expect(refused.includes(entity), `${entity} refused`).toBe(!readable);
      for (const where of ['listing', 'changes', ...(entity === 'establishment' ? [] : ['by id'])]) {
        expect(seen.some((s) => s.entity === entity && s.where === where), `${entity} in ${where}`).toBe(readable);
      }
    }
    for (const { entity, record, where } of seen) {
      for (const [field, scope] of Object.entries(GUARDED[entity] ?? {})) {
        if (!held.has(scope)) expect(record, `${entity}.${field} in ${where}`).not.toHaveProperty(field);
      }
      if (PERSONAL_ENTITIES.includes(entity) && !held.has('roster.identifiers')) {
        expect(Object.keys((record.sourceIds ?? {}) as object), `${entity}.sourceIds in ${where}`).not.toContain(IDENTIFYING_SOURCE);
      }
    }
    // What is held comes back: the pupil's guarded fields with their scopes.
    const person = seen.find((s) => s.entity === 'person' && s.record.id === ids.person && s.where === 'by id')?.record;
    if (person) {
      expect(person.ine !== undefined).toBe(held.has('roster.identifiers'));
      expect(person.email !== undefined).toBe(held.has('roster.contacts'));
      expect(Object.keys(person.sourceIds as object).includes(IDENTIFYING_SOURCE)).toBe(held.has('roster.identifiers'));
    }
  });

  it('occupancy.read alone returns no personal field and no record of a person anywhere', async () => {
    const { seen } = await everythingSeenWith(['occupancy.read']);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => PERSONAL_ENTITIES.includes(s.entity))).toEqual([]);
    const fields = new Set(seen.flatMap((s) => Object.keys(s.record)));
    expect(PERSONAL_FIELDS.filter((field) => fields.has(field))).toEqual([]);
  });
});
