// What the timetable endpoints answer outside the caller's perimeter, over HTTP: a timetable upload naming an
// establishment outside it fails its job with the same words whether the store holds that UAI or not; an
// unreadable upload fails its job with a problem naming the file and line; a calendar for an establishment
// outside, a subscription to another establishment's group and the lifting of another territory's closure are
// each the same 404 as for something missing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { stsEdtExport } from '../support/timetable-exports.js';

type Job = Record<string, unknown> & { id: string; state: string; error?: string; links: { report: string } };

let t: TestGateway;
let worker: { close(): Promise<void> };
let lyon: Api;
const collegeOfLyon = newUai('069');
const heldInAin = newUai('001');
const unheldInAin = newUai('001');
const groupInAin = randomUUID();

beforeAll(async () => {
  t = await startTestGateway('tt_perimeter');
  worker = await startSyncWorker(t.gateway.config, t.gateway.store.db, createLogger('silent'));
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(collegeOfLyon, LYON));
  await putEstablishment(db, establishment(heldInAin, BOURG));
  await applyBatch(db, heldInAin, [upsert('group', { id: groupInAin, kind: 'division', code: '4A', name: '4A' })] as never);
  lyon = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'timetable.read'], perimeter: ['commune:69123'] })).token);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

async function bytesOf(file: { open(): AsyncIterable<Buffer | Uint8Array> }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.open()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const upload = async (connector: string, filename: string, body: Buffer, uai?: string) => lyon.request<Job>('POST',
  `/v1/sync/jobs?connector=${connector}&filename=${filename}${uai ? `&uai=${uai}` : ''}`, { body, headers: { 'content-type': 'application/xml' } });

async function settled(id: string): Promise<Job> {
  for (let i = 0; i < 600; i += 1) {
    const answer = await lyon.get<Job>(`/v1/sync/jobs/${id}`);
    expect(answer.status).toBe(200);
    if (!['queued', 'running'].includes(answer.body.state)) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

describe('a timetable upload', () => {
  it('naming an establishment outside the perimeter fails with the same words whether the store holds it or not', async () => {
    const jobs = [];
    for (const uai of [heldInAin, unheldInAin]) {
      const submitted = await upload('sts-edt', 'emp_sts.xml', await bytesOf(stsEdtExport(uai)));
      expect(submitted.status).toBe(202);
      jobs.push(await settled(submitted.body.id));
    }
    expect(jobs.map((job) => job.state)).toEqual(['failed', 'failed']);
    expect(jobs[0].error!.replace(heldInAin, 'X')).toBe(jobs[1].error!.replace(unheldInAin, 'X'));
    expect(jobs[0].error).toMatch(/not known to the gateway, or not inside your perimeter/);
  });

  it('that cannot be read fails its job with a problem naming the file and line, and writes nothing', async () => {
    const whole = await bytesOf(stsEdtExport(collegeOfLyon));
    const submitted = await upload('sts-edt', 'emp_sts.xml', whole.subarray(0, Math.floor(whole.length / 2)), collegeOfLyon);
    expect(submitted.status).toBe(202);
    const job = await settled(submitted.body.id);
    expect(job.state).toBe('failed');
    const report = await lyon.get<{ problems: { file: string; line?: number; severity: string }[] }>(job.links.report.replace(t.baseUrl, ''));
    expect(report.status).toBe(200);
    expect(report.body.problems).toContainEqual(expect.objectContaining({ file: 'emp_sts.xml', line: expect.any(Number), severity: 'error' }));
    const courses = await lyon.get<{ data: unknown[] }>(`/v1/establishments/${collegeOfLyon}/courses`);
    expect(courses.body.data).toEqual([]);
  });
});

describe('outside the perimeter', () => {
  it('a calendar of an establishment is the same 404 as one of a missing establishment', async () => {
    const outside = await lyon.get(`/v1/establishments/${heldInAin}/timetable.ics?group=${groupInAin}`);
    const missing = await lyon.get(`/v1/establishments/${unheldInAin}/timetable.ics?group=${groupInAin}`);
    expect([outside.status, missing.status]).toEqual([404, 404]);
    expect(outside.body.detail.replace(heldInAin, 'X')).toBe(missing.body.detail.replace(unheldInAin, 'X'));
  });

  it('a subscription to another establishment\'s group is the same 404 as to a missing group', async () => {
    const unknown = randomUUID();
    const foreign = await lyon.post(`/v1/establishments/${collegeOfLyon}/calendar-subscriptions`, { group: groupInAin });
    const missing = await lyon.post(`/v1/establishments/${collegeOfLyon}/calendar-subscriptions`, { group: unknown });
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    expect(foreign.body.detail.replace(groupInAin, 'X')).toBe(missing.body.detail.replace(unknown, 'X'));
  });

  it('lifting another territory\'s closure is the same 404 as lifting one that does not exist', async () => {
    const national = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write', 'timetable.read'], perimeter: ['national'] })).token);
    const made = await national.post('/v1/closures', { territory: 'commune:01053', name: 'Neige', startDate: '2027-01-12', endDate: '2027-01-12' });
    expect(made.status).toBe(201);
    const id = made.body.closure.id as string;
    const unknown = randomUUID();
    const foreign = await lyon.request('DELETE', `/v1/closures/${id}`);
    const missing = await lyon.request('DELETE', `/v1/closures/${unknown}`);
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    expect(foreign.body.detail.replace(id, 'X')).toBe(missing.body.detail.replace(unknown, 'X'));
    // And it still stands.
    expect((await national.get(`/v1/closures/${id}`)).body.status).toBe('active');
  });
});
