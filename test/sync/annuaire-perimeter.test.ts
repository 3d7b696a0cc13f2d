// The national directory through a sync job writes only inside the submitter's perimeter: an admin of the
// Rhône cannot move an école of the Ain into its territory (and then read its pupils), create one outside it,
// or move one of its own out; the report refuses each in the same words whether the establishment exists or not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Job { id: string; state: string; counts?: Record<string, number> }
interface Problem { line?: number; field?: string; code: string; severity: string; detail: string }

let t: TestGateway;
let worker: { close(): Promise<void> };
let rhoneAdmin: Api;
const ecoleAin = newUai('001');
const ecoleRhone = newUai('069');
const newInAin = newUai('001');
const newInRhone = newUai('069');

const header = 'identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;code_commune;nom_commune;code_departement;code_region;code_academie';
const line = (uai: string, name: string, commune: string, departement: string) => `${uai};${name};Ecole;Public;${commune};X;${departement};84;10`;

beforeAll(async () => {
  t = await startTestGateway('annuaire_perimeter');
  const db = t.gateway.store.db;
  worker = await startSyncWorker(t.gateway.config, db, createLogger('silent'));
  await putEstablishment(db, establishment(ecoleAin, BOURG, { type: 'ecole', name: "École de l'Ain" }));
  await putEstablishment(db, establishment(ecoleRhone, LYON, { type: 'ecole', name: 'École du Rhône' }));
  await applyBatch(db, ecoleAin, [upsert('person', pupil())] as never);
  rhoneAdmin = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, {
    scopes: ['admin', 'sync.write', 'roster.read', 'roster.identifiers'], perimeter: ['departement:069'],
  })).token);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

async function settled(id: string): Promise<Job> {
  for (let i = 0; i < 600; i += 1) {
    const job = (await rhoneAdmin.get<Job>(`/v1/sync/jobs/${id}`)).body;
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

describe('a directory import by a département admin', () => {
  it('writes inside its perimeter only, and refuses the rest without telling which exist', async () => {
    const csv = [
      header,
      line(ecoleAin, "École de l'Ain, moved", '69123', '069'), // exists, outside: moved into the Rhône
      line(newInAin, 'École nouvelle', '01053', '001'), // does not exist, would be outside
      line(newInRhone, 'École nouvelle du Rhône', '69123', '069'), // inside
      line(ecoleRhone, 'École du Rhône, moved', '01053', '001'), // exists inside, would leave
    ].join('\n');
    const submitted = await rhoneAdmin.request<Job>('POST', '/v1/sync/jobs?connector=annuaire&filename=annuaire.csv', {
      body: Buffer.from(csv), headers: { 'content-type': 'text/csv' },
    });
    expect(submitted.status).toBe(202);
    const job = await settled(submitted.body.id);
    expect(job.counts).toMatchObject({ created: 1, updated: 0, rejected: 3 });

    const report = (await rhoneAdmin.get<{ problems: Problem[] }>(`/v1/sync/jobs/${job.id}/report`)).body.problems;
    const refused = report.filter((p) => p.code === 'outside-perimeter');
    expect(refused.map((p) => p.line)).toEqual([2, 3, 5]);
    // The same words for an école that exists (line 2) and one that does not (line 3).
    expect(refused.map((p) => p.detail.replace(/[0-9]{7}[A-Z]/, 'UAI'))).toEqual(Array(3).fill('establishment UAI is not inside your perimeter: it may not be written'));
    expect(refused.every((p) => p.field === 'identifiant_de_l_etablissement' && p.severity === 'error')).toBe(true);

    const db = t.gateway.store.db;
    const stored = async (uai: string) => db.selectFrom('establishment').select(['departement_code', 'name']).where('uai', '=', uai).executeTakeFirst();
    expect(await stored(ecoleAin)).toEqual({ departement_code: '001', name: "École de l'Ain" });
    expect(await stored(ecoleRhone)).toEqual({ departement_code: '069', name: 'École du Rhône' });
    expect(await stored(newInAin)).toBeUndefined();
    expect(await stored(newInRhone)).toMatchObject({ departement_code: '069' });
    expect((await rhoneAdmin.get(`/v1/establishments/${ecoleAin}/people`)).status).toBe(404);
  }, 60_000);
});
