// An ONDE or STS-Web export uploaded over HTTP creates its establishment when the store does not know it, inside
// the submitter's perimeter; for a UAI outside it, every answer the submitter gets (the submission, its job as it runs and
// fails, the report, the listing) is the same whether the store holds that UAI or not, and the job stays its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateClient } from '../../gateway/auth/clients.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

type Job = Record<string, unknown> & { id: string; state: string; links: { report: string } };

let t: TestGateway;
let worker: { close(): Promise<void> };
const heldInAin = newUai('001');
const unheldInAin = newUai('001');
const school = ondePupils(4, '10240');

const client = async (perimeter: string[]) => {
  const made = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter });
  return { clientId: made.clientId, http: api(t.baseUrl, made.token) };
};

const upload = (http: Api, uai: string) => http.request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${uai}&filename=eleves.csv`, {
  body: school.exportOf(school.all), headers: { 'content-type': 'text/csv' },
});

/** An STS-Web export whose UAJ describes a collège of Villeurbanne (commune 69266, by its postal code and town). */
const stsExport = (uai: string) => Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>\n<STS_EDT><PARAMETRES><UAJ CODE="${uai}"><ACADEMIE><CODE>10</CODE><LIBELLE>LYON</LIBELLE></ACADEMIE>`
  + '<SIGLE>CLG</SIGLE><DENOM_PRINC>COLLEGE</DENOM_PRINC><DENOM_COMPL>LES SAULES</DENOM_COMPL><CODE_NATURE>340</CODE_NATURE>'
  + '<ADRESSE>12 RUE DES PEUPLIERS</ADRESSE><COMMUNE>VILLEURBANNE</COMMUNE><CODE_POSTAL>69100</CODE_POSTAL></UAJ></PARAMETRES>'
  + '<NOMENCLATURES><MATIERES><MATIERE CODE="020100"><LIBELLE_EDITION>Français</LIBELLE_EDITION></MATIERE></MATIERES></NOMENCLATURES></STS_EDT>\n', 'latin1');

const uploadSts = (http: Api, uai: string) => http.request<Job>('POST', `/v1/sync/jobs?connector=sts-web&uai=${uai}&filename=export.xml`, {
  body: stsExport(uai), headers: { 'content-type': 'application/xml' },
});

async function settled(http: Api, id: string): Promise<Job> {
  for (let i = 0; i < 600; i += 1) {
    const answer = await http.get<Job>(`/v1/sync/jobs/${id}`);
    expect(answer.status).toBe(200);
    if (!['queued', 'running'].includes(answer.body.state)) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

/** A job as its submitter sees it, less what differs between any two jobs (id, UAI asked for, its input's digest, times, links). */
const comparable = (job: Job) => {
  const { id: _id, uai: _uai, links: _links, createdAt: _c, startedAt: _s, finishedAt: _f, updatedAt: _u, input, ...rest } = job;
  const { sha256: _sha256, ...inputSeen } = input as Record<string, unknown>;
  return JSON.parse(JSON.stringify({ ...rest, input: inputSeen }).replaceAll(String(job.uai), '<uai>')) as Record<string, unknown>;
};

beforeAll(async () => {
  t = await startTestGateway('upload_creates');
  worker = await startSyncWorker(t.gateway.config, t.gateway.store.db, createLogger('silent'));
  await putEstablishment(t.gateway.store.db, establishment(heldInAin, BOURG, { type: 'ecole' }));
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('an ONDE upload for an école the store does not know', () => {
  it('creates the école inside a département client\'s perimeter, with its pupils; once written, the job leaves with the perimeter', async () => {
    const rhone = await client(['departement:069']);
    const ecole = newUai('069');
    const submitted = await upload(rhone.http, ecole);
    expect(submitted.status).toBe(202);
    const job = await settled(rhone.http, submitted.body.id);
    expect(job.state).toBe('completed');
    expect(job.counts).toMatchObject({ created: 10 });

    const listed = await rhone.http.get<{ data: { uai: string; type: string; departementCode: string }[] }>('/v1/establishments?limit=1000');
    expect(listed.body.data).toContainEqual(expect.objectContaining({ uai: ecole, type: 'ecole', departementCode: '069' }));
    const pupils = await rhone.http.get<{ data: unknown[] }>(`/v1/establishments/${ecole}/people?kind=pupil`);
    expect(pupils.status).toBe(200);
    expect(pupils.body.data).toHaveLength(4);

    // A job that wrote is seen inside the perimeter only, as before: narrowed away, it is gone.
    await updateClient(t.gateway.store.db, rhone.clientId, { perimeter: ['departement:001'] });
    expect((await rhone.http.get(`/v1/sync/jobs/${job.id}`)).status).toBe(404);
  });

  it('answers a commune client the same for a UAI of another département, held by the store or not, and the job stays its own', async () => {
    const lyon = await client(['commune:69123']);
    const [held, unheld] = [await upload(lyon.http, heldInAin), await upload(lyon.http, unheldInAin)];
    expect(held.status).toBe(202);
    expect(unheld.status).toBe(202);
    expect(comparable(held.body)).toEqual(comparable(unheld.body));

    const [heldJob, unheldJob] = [await settled(lyon.http, held.body.id), await settled(lyon.http, unheld.body.id)];
    expect(heldJob.state).toBe('failed');
    expect(heldJob.error).toBe(`establishment ${heldInAin} is outside what this import may write; its records are left out`);
    expect(unheldJob.error).toBe(`establishment ${unheldInAin} is outside what this import may write; its records are left out`);
    expect(comparable(heldJob)).toEqual(comparable(unheldJob));
    expect(heldJob).not.toHaveProperty('counts');

    const reports = await Promise.all([heldJob, unheldJob].map((job) => lyon.http.get<{ state: string; problems: unknown[] }>(job.links.report.replace(t.baseUrl, ''))));
    for (const report of reports) expect(report.status).toBe(200);
    expect(reports[0].body.problems).toEqual(reports[1].body.problems);

    const listed = (await lyon.http.get<{ jobs: Job[] }>('/v1/sync/jobs')).body.jobs.map((job) => job.id);
    expect(listed.sort()).toEqual([held.body.id, unheld.body.id].sort());
    const retried = await Promise.all([heldJob, unheldJob].map((job) => lyon.http.post<Job>(`/v1/sync/jobs/${job.id}/retry`, undefined)));
    expect(retried.map((r) => r.status)).toEqual([200, 200]);
    expect(comparable(retried[0].body)).toEqual(comparable(retried[1].body));
    for (const job of [heldJob, unheldJob]) expect((await settled(lyon.http, job.id)).state).toBe('failed');

    // Nothing was written: the école held stays its département's, the other is still unknown.
    const nationalReader = await client(['national']);
    expect((await nationalReader.http.get(`/v1/establishments/${unheldInAin}`)).status).toBe(404);
    expect((await nationalReader.http.get<{ communeCode: string }>(`/v1/establishments/${heldInAin}`)).body.communeCode).toBe(BOURG.communeCode);
    expect((await nationalReader.http.get<{ data: unknown[] }>(`/v1/establishments/${heldInAin}/people`)).body.data).toEqual([]);
  });
});

describe('an STS-Web upload for an establishment the store does not know', () => {
  it('creates a collège of a commune client\'s commune, placed by the export\'s postal address', async () => {
    const villeurbanne = await client(['commune:69266']);
    const college = newUai('069');
    const submitted = await uploadSts(villeurbanne.http, college);
    expect(submitted.status).toBe(202);
    expect((await settled(villeurbanne.http, submitted.body.id)).state).toBe('completed');
    const found = await villeurbanne.http.get<{ uai: string; name: string; communeCode: string }>(`/v1/establishments/${college}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ uai: college, name: 'COLLEGE LES SAULES', communeCode: '69266' });
  });

  it('answers a commune client the same for a UAI of another département, held by the store or not', async () => {
    const villeurbanne = await client(['commune:69266']);
    const [held, unheld] = [await uploadSts(villeurbanne.http, heldInAin), await uploadSts(villeurbanne.http, unheldInAin)];
    expect([held.status, unheld.status]).toEqual([202, 202]);
    expect(comparable(held.body)).toEqual(comparable(unheld.body));
    const [heldJob, unheldJob] = [await settled(villeurbanne.http, held.body.id), await settled(villeurbanne.http, unheld.body.id)];
    expect(heldJob).toMatchObject({ state: 'failed', error: `export.xml: establishment ${heldInAin} is outside what this import may write; its records are left out` });
    expect(comparable(heldJob)).toEqual(comparable(unheldJob));
    // The export's Villeurbanne address does not put a UAI of the Ain in Villeurbanne: nothing was created.
    expect((await (await client(['national'])).http.get(`/v1/establishments/${unheldInAin}`)).status).toBe(404);
  });
});
