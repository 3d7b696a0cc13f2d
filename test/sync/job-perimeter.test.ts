// Sync jobs are seen and acted on only inside the caller's current perimeter: an admin of one département
// neither lists, reads, cancels, retries nor confirms another département's jobs, and gets the 404 a missing job
// gets. A job naming no establishment (a directory import) is its submitter's and national admins'. A narrowed
// or revoked client loses its jobs at once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient, updateClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Job {
  id: string;
  state: string;
}

let t: TestGateway;
const ecoleRhone = newUai('069');
const ecoleAin = newUai('001');
let rhoneAdmin: Api;
let ainAdmin: Api;
let nationalAdmin: Api;
let ainJob: Job;
let directoryJob: Job;

const client = async (scopes: string[], perimeter: string[]) => {
  const made = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes, perimeter });
  return { clientId: made.clientId, http: api(t.baseUrl, made.token) };
};

const submit = async (http: Api, query: string): Promise<Job> => {
  const answer = await http.request<Job>('POST', `/v1/sync/jobs?${query}`, { body: Buffer.from('Nom;Prénom\n'), headers: { 'content-type': 'text/csv' } });
  expect(answer.status).toBe(202);
  return answer.body;
};

/** A 404 with what makes it a 404, leaving out what names the request (its instance and detail). */
const shape = (body: Record<string, unknown>) => {
  const { instance: _instance, detail: _detail, ...rest } = body;
  return rest;
};

beforeAll(async () => {
  // No worker: the jobs stay queued, which is all the routes need.
  t = await startTestGateway('job_perimeter');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(ecoleRhone, LYON, { type: 'ecole' }));
  await putEstablishment(db, establishment(ecoleAin, BOURG, { type: 'ecole' }));
  rhoneAdmin = (await client(['admin', 'sync.write'], ['departement:069'])).http;
  ainAdmin = (await client(['admin', 'sync.write'], ['departement:001'])).http;
  nationalAdmin = (await client(['admin', 'sync.write'], ['national'])).http;
  ainJob = await submit(ainAdmin, `connector=onde&uai=${ecoleAin}&filename=eleves.csv`);
  directoryJob = await submit(ainAdmin, 'connector=annuaire&filename=annuaire.csv');
}, 60_000);
afterAll(async () => t?.close());

describe('sync jobs and perimeters', () => {
  it("an admin of another département gets the missing job's 404 for each route, and the job is left as it was", async () => {
    const missing = await rhoneAdmin.get<Record<string, unknown>>(`/v1/sync/jobs/${randomUUID()}`);
    expect(missing.status).toBe(404);
    for (const job of [ainJob, directoryJob]) {
      const answers = [
        await rhoneAdmin.get<Record<string, unknown>>(`/v1/sync/jobs/${job.id}`),
        await rhoneAdmin.get<Record<string, unknown>>(`/v1/sync/jobs/${job.id}/report`),
        await rhoneAdmin.post<Record<string, unknown>>(`/v1/sync/jobs/${job.id}/cancel`, undefined),
        await rhoneAdmin.post<Record<string, unknown>>(`/v1/sync/jobs/${job.id}/retry`, undefined),
        await rhoneAdmin.post<Record<string, unknown>>(`/v1/sync/jobs/${job.id}/confirm`, undefined),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(shape(answer.body)).toEqual(shape(missing.body));
        expect(answer.body.detail).toBe(`no sync job ${job.id}`);
      }
      expect((await ainAdmin.get<Job>(`/v1/sync/jobs/${job.id}`)).body.state).toBe('queued');
    }
  });

  it("lists only the jobs inside the caller's perimeter; a directory import is its submitter's and national admins'", async () => {
    const ids = async (http: Api) => (await http.get<{ jobs: Job[] }>('/v1/sync/jobs?limit=500')).body.jobs.map((j) => j.id);
    expect(await ids(rhoneAdmin)).toEqual([]);
    expect((await ids(ainAdmin)).sort()).toEqual([ainJob.id, directoryJob.id].sort());
    expect((await ids(nationalAdmin)).sort()).toEqual([ainJob.id, directoryJob.id].sort());
    const ainColleague = (await client(['admin'], ['departement:001'])).http;
    expect(await ids(ainColleague)).toEqual([ainJob.id]);
    expect((await ainColleague.get(`/v1/sync/jobs/${directoryJob.id}`)).status).toBe(404);
    expect((await nationalAdmin.get(`/v1/sync/jobs/${directoryJob.id}`)).status).toBe(200);
  });

  it('a client without admin sees its own jobs of its perimeter, not its neighbours\'', async () => {
    const writer = await client(['sync.write'], [`uai:${ecoleAin}`]);
    const own = await submit(writer.http, `connector=onde&uai=${ecoleAin}&filename=eleves.csv`);
    const listed = (await writer.http.get<{ jobs: Job[] }>('/v1/sync/jobs')).body.jobs.map((j) => j.id);
    expect(listed).toEqual([own.id]);
    expect((await writer.http.get(`/v1/sync/jobs/${ainJob.id}`)).status).toBe(404);
  });

  it('a narrowed client loses the jobs of what left its perimeter at once, and a revoked one everything', async () => {
    const db = t.gateway.store.db;
    const writer = await client(['sync.write'], [`uai:${ecoleAin}`]);
    const job = await submit(writer.http, `connector=onde&uai=${ecoleAin}&filename=eleves.csv`);
    expect((await writer.http.get(`/v1/sync/jobs/${job.id}`)).status).toBe(200);
    await updateClient(db, writer.clientId, { perimeter: [`uai:${ecoleRhone}`] });
    expect((await writer.http.get(`/v1/sync/jobs/${job.id}`)).status).toBe(404);
    expect((await writer.http.post(`/v1/sync/jobs/${job.id}/cancel`, undefined)).status).toBe(404);
    expect((await writer.http.get<{ jobs: Job[] }>('/v1/sync/jobs')).body.jobs).toEqual([]);
    await updateClient(db, writer.clientId, { perimeter: [`uai:${ecoleAin}`] });
    expect((await writer.http.get(`/v1/sync/jobs/${job.id}`)).status).toBe(200);
    await revokeClient(db, writer.clientId);
    expect((await writer.http.get(`/v1/sync/jobs/${job.id}`)).status).toBe(401);
  });
});
