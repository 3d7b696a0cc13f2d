// Seeding the demo into a real PostgreSQL store (own schema per file), and the embedded default's start-up
// step: demo data in an empty store, and a demo client whose credentials survive restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { getClient } from '../../gateway/auth/clients.js';
import { committedSequence } from '../../gateway/store/changelog.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { DEMO_CLIENT_SCOPES, ensureDemoData, seedDemo, type SeedProgress } from '../../gateway/demo/seed.js';
import { openTestStore } from '../support/store.js';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

async function countRows(store: TestStore, entity: string): Promise<number> {
  const { count } = await store.db
    .selectFrom('roster_record')
    .select(sql<string>`count(*)`.as('count'))
    .where('entity', '=', entity)
    .executeTakeFirstOrThrow();
  return Number(count);
}

describe('seedDemo', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('demo');
  });
  afterAll(async () => {
    await store?.close();
  });

  const options = { establishments: 4, people: 500, seed: 11, batchSize: 300 };

  it('writes every generated record through the write path and reports progress', async () => {
    const progress: SeedProgress[] = [];
    const result = await seedDemo(store.db, options, (p) => progress.push(p));
    expect(result.counts.establishments).toBe(4);
    expect(result.counts.people).toBe(500);
    expect(result.counts.memberships).toBeGreaterThan(300);
    expect(result.counts.guardianLinks).toBeGreaterThan(150);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    expect(result.outcomes).toEqual({ created: total, updated: 0, unchanged: 0, deleted: 0 });
    expect(await countRows(store, 'person')).toBe(500);
    expect(await countRows(store, 'membership')).toBe(result.counts.memberships);
    expect(await countRows(store, 'guardianLink')).toBe(result.counts.guardianLinks);
    // The timetable's courses are materialised as they are written, changes included, across batches.
    expect(result.counts.courses).toBeGreaterThan(100);
    expect(result.counts.timetableChanges).toBeGreaterThan(3);
    expect(await countRows(store, 'course')).toBe(result.counts.courses);
    const occurrences = async (status?: string) => {
      let query = store.db.selectFrom('occurrence').select(sql<string>`count(*)`.as('n')).where('state', '=', 'active');
      if (status) query = query.where('status', '=', status);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    expect(await occurrences()).toBeGreaterThan(result.counts.courses * 15);
    const cancelled = (await store.db.selectFrom('roster_record').select('id').where('entity', '=', 'timetableChange')
      .where(sql<boolean>`data->>'kind' = 'cancelled'`).execute()).length;
    expect(cancelled).toBeGreaterThan(0);
    expect(await occurrences('cancelled')).toBe(cancelled);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ establishmentsDone: 4, establishmentsTotal: 4, peopleDone: 500, peopleTotal: 500, recordsDone: total });
  });

  it('changes nothing when run again with the same options', async () => {
    const before = await committedSequence(store.db);
    const result = await seedDemo(store.db, { ...options, batchSize: 2000, concurrency: 1 });
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    expect(result.outcomes).toEqual({ created: 0, updated: 0, unchanged: total, deleted: 0 });
    expect(await committedSequence(store.db)).toBe(before);
  });

  it('rewrites the demo to match another seed or size, deleting the demo records it no longer makes', async () => {
    const other = await seedDemo(store.db, { ...options, seed: 12 });
    expect(other.outcomes.updated).toBeGreaterThan(0);
    const active = async (entity: string) => Number((await store.db.selectFrom('roster_record')
      .select(sql<string>`count(*)`.as('n')).where('entity', '=', entity).where('status', '=', 'active').executeTakeFirstOrThrow()).n);
    expect(await active('person')).toBe(500);
    expect(await active('membership')).toBe(other.counts.memberships);
    expect(await active('guardianLink')).toBe(other.counts.guardianLinks);

    const smaller = await seedDemo(store.db, { ...options, seed: 12, people: 300 });
    expect(smaller.outcomes.deleted).toBeGreaterThan(0);
    expect(await active('person')).toBe(300);
    // No pupil is left in two classes by the earlier runs.
    const divisionsPerPupil = await sql<{ n: string }>`
      select count(*) as n from roster_record m join roster_record g on g.id = (m.data->>'groupId')::uuid
      where m.entity = 'membership' and m.status = 'active' and m.kind = 'pupil' and g.data->>'kind' = 'division'
      group by m.data->>'personId' having count(*) > 1`.execute(store.db);
    expect(divisionsPerPupil.rows).toEqual([]);
  });

  it('refuses a batch size above 2,000 before writing anything', async () => {
    await expect(seedDemo(store.db, { ...options, batchSize: 2001 })).rejects.toThrow(/^batchSize must be an integer from 1 to 2000/);
  });
});

/** A store and a data folder of its own for a describe block, opened before its tests and removed after. */
function storeAndDataDir(): { store: TestStore; dataDir: string } {
  const context = {} as { store: TestStore; dataDir: string };
  beforeAll(async () => {
    context.store = await openTestStore('demo');
    context.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-demo-'));
  });
  afterAll(async () => {
    await context.store?.close();
    fs.rmSync(context.dataDir, { recursive: true, force: true });
  });
  return context;
}

describe('ensureDemoData', () => {
  const demo = storeAndDataDir();

  it('seeds an empty store, creates the demo client and keeps its credentials in a 0600 file', async () => {
    const result = await ensureDemoData({ db: demo.store.db, dataDir: demo.dataDir });
    expect(result.seeded).toBe(true);
    expect(result.clientCreated).toBe(true);
    expect(result.clientId).toMatch(/^pas_/);
    expect(result.clientSecret.length).toBeGreaterThanOrEqual(32);
    const establishments = await demo.store.db.selectFrom('establishment').select(['uai', 'type']).execute();
    expect(establishments).toHaveLength(9);
    expect(await countRows(demo.store, 'person')).toBe(2000);

    const client = await getClient(demo.store.db, result.clientId);
    expect(client?.status).toBe('active');
    expect([...client!.scopes].sort()).toEqual([...DEMO_CLIENT_SCOPES].sort());
    expect(client!.scopes).not.toContain('admin');
    expect(client!.perimeter).toEqual(['academie:10']);

    const file = path.join(demo.dataDir, 'demo-client.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ clientId: result.clientId, clientSecret: result.clientSecret });
  });

  it('returns the same credentials on a later start without seeding or writing anything', async () => {
    const first = JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'demo-client.json'), 'utf8')) as { clientId: string; clientSecret: string };
    const before = await committedSequence(demo.store.db);
    const clientsBefore = await demo.store.db.selectFrom('api_client').select('client_id').execute();
    const result = await ensureDemoData({ db: demo.store.db, dataDir: demo.dataDir });
    expect(result).toEqual({ clientId: first.clientId, clientSecret: first.clientSecret, seeded: false, clientCreated: false });
    expect(await committedSequence(demo.store.db)).toBe(before);
    expect(await demo.store.db.selectFrom('api_client').select('client_id').execute()).toEqual(clientsBefore);
  });

  it('replaces kept credentials that name no client of this store', async () => {
    const file = path.join(demo.dataDir, 'demo-client.json');
    fs.writeFileSync(file, JSON.stringify({ clientId: 'pas_aaaaaaaaaaaaaaaa', clientSecret: 'not-a-secret' }));
    const result = await ensureDemoData({ db: demo.store.db, dataDir: demo.dataDir });
    expect(result.seeded).toBe(false);
    expect(result.clientCreated).toBe(true);
    expect(result.clientId).not.toBe('pas_aaaaaaaaaaaaaaaa');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).clientId).toBe(result.clientId);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('ensureDemoData on a store that already has data', () => {
  const demo = storeAndDataDir();

  it('leaves existing establishments alone and loads no demo data', async () => {
    await putEstablishment(demo.store.db, {
      uai: '0751234J', name: 'Lycée réel', type: 'lycee', sector: 'public', communeCode: '75056',
      departementCode: '075', regionCode: '11', academieCode: '01',
    });
    const result = await ensureDemoData({ db: demo.store.db, dataDir: demo.dataDir });
    expect(result.seeded).toBe(false);
    expect(await demo.store.db.selectFrom('establishment').select('uai').execute()).toEqual([{ uai: '0751234J' }]);
    expect(await countRows(demo.store, 'person')).toBe(0);
  });
});
