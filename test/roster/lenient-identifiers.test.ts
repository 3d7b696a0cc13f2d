// Establishments of test feeds, imported with lenient identifiers, carry UAIs whose check letter does not check
// out: whatever the store holds is reached by its UAI like any other; only a value that is not UAI-shaped is a 400.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidUai, uaiCheckLetter } from '../../gateway/model/identifiers.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, TEST_DATABASE_URL, type TestGateway } from '../support/gateway.js';

/** A UAI of a test feed: the right shape, the wrong check letter. */
function invented(departement: string): string {
  const digits = newUai(departement).slice(0, 7);
  const wrong = uaiCheckLetter(digits) === 'A' ? 'B' : 'A';
  return digits + wrong;
}

let t: TestGateway;
let http: Api;
const testFeed = invented('069');
const outside = invented('001');

beforeAll(async () => {
  t = await startTestGateway('lenient_uai');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(testFeed, LYON, { name: 'Collège de recette' }), { lenientIdentifiers: true });
  await putEstablishment(db, establishment(outside, { communeCode: '01053', departementCode: '001', regionCode: '84', academieCode: '10' }), { lenientIdentifiers: true });
  await applyBatch(db, testFeed, [upsert('person', pupil({ familyName: 'Recette' }))] as never, { lenientIdentifiers: true });
  http = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read', 'sync.write'], perimeter: ['departement:069'] })).token);
}, 60_000);
afterAll(async () => t?.close());

describe('UAIs the store holds', () => {
  it('an establishment imported with a UAI whose letter does not check out is read, with its people', async () => {
    expect(isValidUai(testFeed)).toBe(false);
    expect((await http.get(`/v1/establishments/${testFeed}`)).status).toBe(200);
    const people = await http.get<{ data: { familyName: string }[] }>(`/v1/establishments/${testFeed}/people`);
    expect(people.status).toBe(200);
    expect(people.body.data.map((p) => p.familyName)).toEqual(['Recette']);
  });

  it('such a UAI outside the perimeter, or not held, is a 404 like any missing establishment', async () => {
    const notHeld = invented('069');
    for (const uai of [outside, notHeld]) {
      const answer = await http.get(`/v1/establishments/${uai}/people`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ type: expect.stringMatching(/not-found$/), detail: `no establishment ${uai} in your perimeter` });
    }
  });

  it('a value that is not UAI-shaped is still a 400 naming the path parameter', async () => {
    const answer = await http.get<{ type: string; errors: { pointer: string; detail: string }[] }>('/v1/establishments/0691234/people');
    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/validation/);
    expect(answer.body.errors).toEqual([{ pointer: '/path/uai', detail: 'must be a UAI: 7 digits and a letter, upper case (got "0691234")' }]);
  });

  it('sync routes taking a uai reach it too: the job listing filter and the GAR export', async () => {
    const jobs = await http.get<{ jobs: unknown[] }>(`/v1/sync/jobs?uai=${testFeed}`);
    expect(jobs.status).toBe(200);
    const exported = await http.post<{ state: string }>(`/v1/sync/exports?connector=gar&uai=${testFeed}`, undefined);
    expect(exported.status).toBe(202);
  });

  it('passerelle export gar --uai writes the files of a test feed establishment', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lenient-gar-'));
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'export', 'gar', '--uai', testFeed, '--out', out, '--json'], {
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' },
        encoding: 'utf8', timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { counts: Record<string, number> }).counts).toMatchObject({ GAREtab: 1, GAREleve: 1 });
      const malformed = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'export', 'gar', '--uai', '069123', '--out', out], {
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' },
        encoding: 'utf8', timeout: 60_000,
      });
      expect(malformed.status).not.toBe(0);
      expect(malformed.stderr).toContain('--uai 069123');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
