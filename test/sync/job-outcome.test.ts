// A job's state says what it did: over HTTP (responses held to the OpenAPI document), an import whose every
// line is refused has written nothing and is `failed`, one with some lines refused is `completed-with-errors`,
// and each job counts its errors and warnings.
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

interface Job {
  id: string;
  state: string;
  counts?: Record<string, number>;
  problemCount: number;
  errorCount: number;
  warningCount: number;
  error?: string;
}

let t: TestGateway;
let writer: Api;
const ecole = newUai('069');
const school = ondePupils(6, '10230');

/** The export with each listed pupil's line edited (as ONDE writes it: windows-1252). */
function exportWith(edit: (line: string, index: number) => string): Buffer {
  const [header, ...lines] = iconv.decode(school.exportOf(school.all), 'windows-1252').split('\r\n');
  return iconv.encode([header, ...lines.map(edit)].join('\r\n'), 'windows-1252');
}
const nameless = (line: string) => line.replace(/^Famille\d+;/, ';');

beforeAll(async () => {
  t = await startTestGateway('job_outcome', { REDIS_URL: '' });
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(ecole, LYON, { type: 'ecole' }));
  writer = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${ecole}`] })).token);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function imported(body: Buffer): Promise<Job> {
  const answer = await writer.request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}&filename=eleves.csv&maxDeletionShare=1`, { body, headers: { 'content-type': 'text/csv' } });
  expect(answer.status).toBe(202);
  for (let i = 0; i < 300; i += 1) {
    const job = (await writer.get<Job>(`/v1/sync/jobs/${answer.body.id}`)).body;
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${answer.body.id} did not settle`);
}

describe('the state of an import job', () => {
  it('is failed when every line was refused, naming the first error, and nothing is written', async () => {
    const job = await imported(exportWith(nameless));
    expect(job).toMatchObject({ state: 'failed', counts: { created: 0, updated: 0, unchanged: 0, deleted: 0 }, errorCount: 6, warningCount: 0 });
    expect(job.error).toMatch(/^nothing was written: 6 errors, the first: eleves\.csv:2: /);
    const people = await t.gateway.store.db.selectFrom('roster_record').select('id').where('uai', '=', ecole).execute();
    expect(people).toEqual([]);
    expect((await writer.get<{ jobs: Job[] }>('/v1/sync/jobs?state=failed')).body.jobs.map((j) => j.id)).toContain(job.id);
  });

  it('is completed-with-errors when some lines were refused and the others written, counting errors and warnings apart', async () => {
    const job = await imported(exportWith((line, i) => (i === 0 ? nameless(line) : i === 1 ? line.replace(/;0\d\/05\/2017;/, ';31/02/2017;') : line)));
    expect(job).toMatchObject({ state: 'completed-with-errors', errorCount: 1, warningCount: 1, problemCount: 2 });
    expect(job.counts!.created).toBeGreaterThan(0);
    expect(job.error).toBeUndefined();
    const listed = (await writer.get<{ jobs: Job[] }>('/v1/sync/jobs?state=completed-with-errors')).body.jobs;
    expect(listed.map((j) => j.id)).toEqual([job.id]);
  });

  it('is failed when every establishment a delivery names was refused: an AAF delivery outside the perimeter', async () => {
    const outside = newUai('001');
    const attr = (name: string, value: string) => `<attr name="${name}"><value>${value}</value></attr>`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR><addRequest>
      <operationalAttributes>${attr('categorieStructure', 'EtabEducNat')}</operationalAttributes>
      <identifier><id>61000</id></identifier>
      <attributes>${attr('ENTStructureJointure', '61000')}${attr('ENTStructureUAI', outside)}${attr('ENTStructureNomCourant', 'COLLEGE$DU$LAC')}</attributes>
    </addRequest></ficAlimMENESR>\n`;
    const answer = await writer.request<Job>('POST', '/v1/sync/jobs?connector=aaf&filename=ENT_Complet_20261201_EtabEducNat_0000.xml', { body: Buffer.from(xml), headers: { 'content-type': 'application/xml' } });
    expect(answer.status).toBe(202);
    let job = answer.body;
    for (let i = 0; i < 300 && ['queued', 'running'].includes(job.state); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await writer.get<Job>(`/v1/sync/jobs/${job.id}`)).body;
    }
    expect(job).toMatchObject({ state: 'failed', errorCount: 1 });
    expect(job.error).toMatch(/^nothing was written: the one error: /);
    expect(await t.gateway.store.db.selectFrom('establishment').select('uai').where('uai', '=', outside).execute()).toEqual([]);
  });

  it('is completed when everything was applied', async () => {
    expect(await imported(school.exportOf(school.all))).toMatchObject({ state: 'completed', errorCount: 0, warningCount: 0 });
  });
});
