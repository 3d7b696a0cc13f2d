// Job reports over HTTP are projected by scope like records (an INE quoted in a problem needs
// roster.identifiers), and their CSV cannot carry a live spreadsheet formula.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

interface Job { id: string; state: string }
interface Report { problems: { file: string; line?: number; field?: string; code: string; severity: string; detail: string }[] }

let t: TestGateway;
let worker: { close(): Promise<void> };
let withoutIdentifiers: Api;
let withIdentifiers: Api;
const ecole = newUai('069');
const school = ondePupils(4, '10190');
const repeatedIne = /1019000001[A-Z]/;

beforeAll(async () => {
  t = await startTestGateway('job_reports');
  const db = t.gateway.store.db;
  worker = await startSyncWorker(t.gateway.config, db, createLogger('silent'));
  await putEstablishment(db, establishment(ecole, LYON, { type: 'ecole' }));
  withoutIdentifiers = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: [`uai:${ecole}`] })).token);
  withIdentifiers = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read', 'roster.identifiers'], perimeter: [`uai:${ecole}`] })).token);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

/** An ONDE export naming pupil 1 twice (a warning quoting its INE), uploaded under a name that is a formula. */
async function importWithRepeatedPupil(client: Api): Promise<Job> {
  const answer = await client.request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}&mode=delta&filename=${encodeURIComponent('=1+2.csv')}`, {
    body: school.exportOf([0, 1, 1, 2]), headers: { 'content-type': 'text/csv' },
  });
  expect(answer.status).toBe(202);
  for (let i = 0; i < 300; i += 1) {
    const job = (await client.get<Job>(`/v1/sync/jobs/${answer.body.id}`)).body;
    if (['completed', 'failed', 'held', 'cancelled'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the job did not settle');
}

describe('a job report read without roster.identifiers', () => {
  it('masks the INE a problem quotes, in JSON and in CSV', async () => {
    const job = await importWithRepeatedPupil(withoutIdentifiers);
    const report = await withoutIdentifiers.get<Report>(`/v1/sync/jobs/${job.id}/report`);
    expect(report.status).toBe(200);
    const repeated = report.body.problems.find((p) => p.field === 'INE' && p.severity === 'warning');
    expect(repeated?.detail).toBe('the pupil [INE hidden] is listed again');
    expect(JSON.stringify(report.body)).not.toMatch(repeatedIne);
    const csv = await withoutIdentifiers.get<string>(`/v1/sync/jobs/${job.id}/report?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.body).toContain('the pupil [INE hidden] is listed again');
    expect(csv.body).not.toMatch(repeatedIne);
  });

  it('shows it to a client holding roster.identifiers', async () => {
    const job = await importWithRepeatedPupil(withIdentifiers);
    const report = await withIdentifiers.get<Report>(`/v1/sync/jobs/${job.id}/report`);
    expect(report.body.problems.find((p) => p.field === 'INE' && p.severity === 'warning')?.detail).toMatch(new RegExp(`^the pupil ${repeatedIne.source} is listed again$`));
  });
});

describe('a job report as CSV', () => {
  it('neutralises a cell that a spreadsheet would read as a formula, with a leading single quote', async () => {
    const job = await importWithRepeatedPupil(withIdentifiers);
    const csv = await withIdentifiers.get<string>(`/v1/sync/jobs/${job.id}/report?format=csv`);
    const lines = csv.body.split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line.startsWith("'=1+2.csv,")).toBe(true);
  });
});
