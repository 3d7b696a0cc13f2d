// Sync jobs over HTTP with BullMQ on the real Redis and a worker in this process: submission, idempotency,
// reconciliation through jobs, the safety brake and its confirmation, reports, archives, perimeter and scopes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';
import { zipOf } from '../support/zip.js';
import { putEstablishment } from '../../gateway/store/establishments.js';

interface Job {
  id: string;
  kind: string;
  state: string;
  counts?: Record<string, number>;
  establishments?: { uai: string; state: string; held?: { deletions: number; total: number } }[];
  problemCount: number;
  error?: string;
  attempts: number;
  links: { self: string; report: string };
}

let t: TestGateway;
let worker: { close(): Promise<void> };
let writer: Api;
let stranger: Api;
let reader: Api;
const ecole = newUai('069');
const elsewhere = newUai('001');
const school = ondePupils(20, '10180');

beforeAll(async () => {
  t = await startTestGateway('jobs_api');
  const db = t.gateway.store.db;
  worker = await startSyncWorker(t.gateway.config, db, createLogger('silent'));
  await putEstablishment(db, establishment(ecole, LYON, { type: 'ecole', name: 'École des Tilleuls' }));
  await putEstablishment(db, establishment(elsewhere, BOURG, { type: 'ecole' }));
  writer = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: [`uai:${ecole}`] })).token);
  stranger = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${elsewhere}`] })).token);
  reader = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${ecole}`] })).token);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

const submit = (body: Buffer, query: string, headers: Record<string, string> = {}, client = writer) =>
  client.request<Job>('POST', `/v1/sync/jobs?${query}`, { body, headers: { 'content-type': 'text/csv', ...headers } });

async function settled(client: Api, id: string): Promise<Job> {
  for (let i = 0; i < 600; i += 1) {
    const job = (await client.get<Job>(`/v1/sync/jobs/${id}`)).body;
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

const changeCount = async () =>
  Number((await t.gateway.store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

describe('POST /v1/sync/jobs', () => {
  it('queues an import (202, Location), runs it, and the records appear in the roster', async () => {
    const answer = await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}&filename=eleves.csv`);
    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(answer.body.links.self);
    expect(answer.body.state).toBe('queued');
    const job = await settled(writer, answer.body.id);
    expect(job).toMatchObject({ state: 'completed', counts: { created: 42, updated: 0, unchanged: 0, deleted: 0, rejected: 0 }, attempts: 1 });
    expect(job.establishments).toEqual([expect.objectContaining({ uai: ecole, state: 'completed' })]);
    const people = await reader.get<{ data: unknown[] }>(`/v1/establishments/${ecole}/people?limit=1000`);
    expect(people.body.data).toHaveLength(20);
  });

  it('changes nothing on the same export again, and tombstones exactly the pupil an export misses', async () => {
    const before = await changeCount();
    const same = await settled(writer, (await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}`)).body.id);
    expect(same.counts).toEqual({ created: 0, updated: 0, unchanged: 42, deleted: 0, rejected: 0 });
    expect(await changeCount()).toBe(before);

    const cursor = (await reader.get<{ changeCursor: string }>(`/v1/establishments/${ecole}/people`)).body.changeCursor;
    const without7 = await settled(writer, (await submit(school.exportOf(school.all.filter((i) => i !== 7)), `connector=onde&uai=${ecole}`)).body.id);
    expect(without7.counts).toMatchObject({ deleted: 2, unchanged: 40 });
    const changes = await reader.get<{ data: { op: string; entity: string }[] }>(`/v1/changes?since=${cursor}`);
    const deletions = changes.body.data.filter((c) => c.op === 'delete');
    expect(deletions.map((c) => c.entity).sort()).toEqual(['membership', 'person']);
  });

  it('returns the same job for the same Idempotency-Key, and 409 for the key reused on another request', async () => {
    const key = randomUUID();
    const body = school.exportOf(school.all.filter((i) => i !== 7));
    const first = await submit(body, `connector=onde&uai=${ecole}`, { 'idempotency-key': key });
    const again = await submit(body, `connector=onde&uai=${ecole}`, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}`, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect((other.body as unknown as { type: string; detail: string }).type).toMatch(/idempotency-key-reused$/);
    expect((other.body as unknown as { detail: string }).detail).toContain(first.body.id);
    await settled(writer, first.body.id);
  });

  it('holds a mass deletion, writes nothing, and applies it once confirmed', async () => {
    const before = await changeCount();
    const held = await settled(writer, (await submit(school.exportOf(school.all.slice(0, 5)), `connector=onde&uai=${ecole}`)).body.id);
    expect(held.state).toBe('held');
    expect(held.establishments).toEqual([{ uai: ecole, state: 'held', counts: expect.any(Object), held: { deletions: 29, total: 40 } }]); // pupil 7 left earlier; class B goes with its pupils
    expect(await changeCount()).toBe(before);

    const confirmed = await writer.post<Job>(`/v1/sync/jobs/${held.id}/confirm`, undefined);
    expect(confirmed.status).toBe(200);
    const done = await settled(writer, held.id);
    expect(done).toMatchObject({ state: 'completed', counts: { deleted: 29 } });
    expect((await writer.post(`/v1/sync/jobs/${held.id}/confirm`, undefined)).status).toBe(409);

    const restored = await settled(writer, (await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}&maxDeletionShare=1`)).body.id);
    expect(restored.state).toBe('completed');
  });

  it('reports rejected lines by file, line and field, as JSON and CSV; fails bad input at once, writing nothing', async () => {
    const noIne = Buffer.from(school.exportOf(school.all).toString('latin1').replace(/;[0-9]{10}[A-Z];CE2;/, ';;CE2;'), 'latin1');
    const partial = await settled(writer, (await submit(noIne, `connector=onde&uai=${ecole}&filename=eleves.csv&maxDeletionShare=1`)).body.id);
    expect(partial.state).toBe('completed-with-errors');
    expect(partial.counts?.rejected).toBe(1);
    const report = await writer.get<{ problems: { file: string; line: number; field: string; severity: string; detail: string }[] }>(partial.links.report.replace(t.baseUrl, ''));
    expect(report.body.problems).toEqual([expect.objectContaining({ file: 'eleves.csv', line: 2, field: 'INE', severity: 'error' })]);
    const csv = await writer.get<string>(`/v1/sync/jobs/${partial.id}/report?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('file,line,field,severity,code,detail');
    expect(csv.body.split('\r\n')[1]).toMatch(/^eleves\.csv,2,INE,error,/);

    const before = await changeCount();
    const headerless = Buffer.from('Nom;Prénom\r\nMartin;Léa\r\n', 'latin1');
    const failed = await settled(writer, (await submit(headerless, `connector=onde&uai=${ecole}&filename=eleves.csv`)).body.id);
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatch(/eleves\.csv/);
    expect(await changeCount()).toBe(before);
    expect((await writer.post<Job>(`/v1/sync/jobs/${failed.id}/retry`, undefined)).status).toBe(200);
    expect((await settled(writer, failed.id)).state).toBe('failed');
  });

  it('takes a zip or a tar.gz of the delivery', async () => {
    const zipped = await settled(writer, (await submit(zipOf([{ name: 'export/eleves.csv', bytes: school.exportOf(school.all) }]), `connector=onde&uai=${ecole}`, { 'content-type': 'application/zip' })).body.id);
    expect(zipped).toMatchObject({ state: 'completed', counts: { rejected: 0 } });

    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-tgz-'));
    try {
      fs.writeFileSync(path.join(folder, 'eleves.csv'), school.exportOf(school.all));
      const archive = path.join(folder, 'delivery.tar.gz');
      await pipeline(tar.c({ gzip: true, cwd: folder }, ['eleves.csv']), fs.createWriteStream(archive));
      const tgz = await settled(writer, (await submit(fs.readFileSync(archive), `connector=onde&uai=${ecole}`, { 'content-type': 'application/gzip' })).body.id);
      expect(tgz).toMatchObject({ state: 'completed', counts: { created: 0, rejected: 0 } });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }

    const broken = await settled(writer, (await submit(zipOf([{ name: 'eleves.csv', bytes: school.exportOf(school.all) }]).subarray(0, 60), `connector=onde&uai=${ecole}`, { 'content-type': 'application/zip' })).body.id);
    expect(broken.state).toBe('failed');
    expect(broken.error).toMatch(/zip/);
  });

  it('keeps to the perimeter and the scopes, and names bad parameters', async () => {
    // ONDE creates an école the store does not know: one outside is the import's to refuse, in the same words as a missing one.
    const outside = await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}`, {}, stranger);
    expect(outside.status).toBe(202);
    expect((await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}`, {}, reader)).status).toBe(403);
    expect((await submit(school.exportOf(school.all), 'connector=annuaire')).status).toBe(403);
    const noUai = await submit(school.exportOf(school.all), 'connector=onde');
    expect(noUai.status).toBe(400);
    expect((noUai.body as unknown as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/query/uai');
    const unknown = await submit(school.exportOf(school.all), `connector=pronote&uai=${ecole}`);
    expect(unknown.status).toBe(400);
    expect((unknown.body as unknown as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/query/connector');
    // A file of a kind the connector does not read (its registered extensions, or an archive) makes no job.
    const pdf = await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}&filename=eleves.pdf`);
    expect(pdf.status).toBe(400);
    expect((pdf.body as unknown as { errors: { pointer: string; detail: string }[] }).errors[0]).toEqual({ pointer: '/query/filename', detail: 'must name a file connector onde reads (.csv) or an archive (.zip, .tar, .tar.gz, .tgz, .gz)' });
    const json = await submit(school.exportOf(school.all), `connector=onde&uai=${ecole}`, { 'content-type': 'application/json' });
    expect((json.body as unknown as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/header/content-type');

    const mine = await writer.get<{ jobs: Job[] }>(`/v1/sync/jobs?connector=onde&limit=500`);
    expect(mine.body.jobs.length).toBeGreaterThan(3);
    const theirs = await stranger.get<{ jobs: Job[] }>('/v1/sync/jobs');
    expect(theirs.body.jobs.map((job) => job.id)).toEqual([outside.body.id]);
    expect(await settled(stranger, outside.body.id)).toMatchObject({ state: 'failed', error: `establishment ${ecole} is outside what this import may write; its records are left out` });
    expect((await stranger.get(`/v1/sync/jobs/${mine.body.jobs[0].id}`)).status).toBe(404);
  });

  it('queues an export, which fails when no push declares where it goes', async () => {
    const answer = await writer.request<Job>('POST', `/v1/sync/exports?connector=gar&uai=${ecole}`);
    expect(answer.status).toBe(202);
    const job = await settled(writer, answer.body.id);
    expect(job).toMatchObject({ kind: 'export', connector: 'gar', state: 'failed', error: expect.stringContaining('PASSERELLE_SYNC_CONFIG') });
    expect((await stranger.request('POST', `/v1/sync/exports?connector=gar&uai=${ecole}`)).status).toBe(404);
    expect((await writer.request('POST', `/v1/sync/exports?connector=ods&uai=${ecole}`)).status).toBe(400);
  });

  it('pages the job list newest first', async () => {
    const first = await writer.get<{ jobs: Job[]; next: string | null }>('/v1/sync/jobs?limit=2');
    expect(first.body.jobs).toHaveLength(2);
    expect(first.body.next).not.toBeNull();
    const second = await writer.get<{ jobs: Job[] }>(first.body.next!.replace(t.baseUrl, ''));
    expect(second.body.jobs[0].id).not.toBe(first.body.jobs[1].id);
    const completed = await writer.get<{ jobs: Job[] }>('/v1/sync/jobs?state=completed&limit=500');
    expect(completed.body.jobs.every((j) => j.state === 'completed')).toBe(true);
  });

  it('cancels a held job and refuses to cancel a finished one', async () => {
    const held = await settled(writer, (await submit(school.exportOf(school.all.slice(0, 3)), `connector=onde&uai=${ecole}`)).body.id);
    expect(held.state).toBe('held');
    const cancelled = await writer.post<Job>(`/v1/sync/jobs/${held.id}/cancel`, undefined);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await writer.post(`/v1/sync/jobs/${held.id}/retry`, undefined)).status).toBe(409);
    expect((await writer.post(`/v1/sync/jobs/${held.id}/cancel`, undefined)).status).toBe(409);
    const inputLeft = await t.gateway.store.db.selectFrom('sync_job_file').select('job_id').where('job_id', '=', held.id).execute();
    expect(inputLeft).toEqual([]);
  });
});
