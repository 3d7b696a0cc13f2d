// Uploads that once hung a job or filled the server, over HTTP through the real app with jobs run in process:
// every import ends (imported, or failed with a problem naming the file, the line and what was expected),
// archive bombs stop at the expansion bound without the temporary folder growing past it, a cancelled job
// ends at once and frees its slot, temporary folders go in every outcome, and no error shows a server path.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { createJob, findJob, OPERATOR } from '../../gateway/store/jobs.js';
import { jobHandler } from '../../gateway/sync/jobs/handler.js';
import { unpackInput } from '../../gateway/sync/jobs/input.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';
import { zipOf } from '../support/zip.js';

const MIB = 1024 * 1024;
const EXPANDED_MB = 64;
const ZEROS = Buffer.alloc(64 * MIB);

interface Job {
  id: string;
  state: string;
  attempts: number;
  error?: string | null;
  counts?: Record<string, number>;
}

interface Problem {
  file: string;
  line?: number;
  field?: string;
  code: string;
  severity: string;
  detail: string;
}

const FINAL = ['completed', 'completed-with-errors', 'failed', 'held', 'cancelled'];

async function settled(t: TestGateway, id: string, withinMs = 30_000): Promise<Job> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    const job = await findJob(t.gateway.store.db, id);
    if (job && FINAL.includes(job.state)) return job as unknown as Job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not end within ${withinMs} ms`);
}

/** The job's temporary folders (named after it), and the most they and the process's memory held meanwhile. */
function watch(jobId: () => string | undefined) {
  const rssBefore = process.memoryUsage().rss;
  let peakBytes = 0;
  let peakRss = rssBefore;
  const folders = () => {
    const id = jobId();
    return id ? fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`passerelle-job-${id}-`)).map((name) => path.join(os.tmpdir(), name)) : [];
  };
  const sizeOf = (folder: string): number => {
    let total = 0;
    try {
      for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
      }
    } catch {
      // removed while walked
    }
    return total;
  };
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, folders().reduce((sum, folder) => sum + sizeOf(folder), 0));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakBytes, rssGrowth: peakRss - rssBefore, left: folders() };
    },
  };
}

/** The header of a tar entry: a file named `name` of `size` bytes. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\u000000', 257);
  header.fill(' ', 148, 156);
  header.write(`${header.reduce((sum, byte) => sum + byte, 0).toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/** A tar.gz holding one file of `gib` GiB of zeros: gzip members of 64 MiB of zeros each, about 64 KB apiece. */
function tarGzBomb(gib: number): Buffer {
  const header = tarHeader('eleves.csv', gib * 1024 * MIB);
  const member = gzipSync(ZEROS, { level: 9 });
  return Buffer.concat([gzipSync(header), ...Array<Buffer>(gib * 16).fill(member), gzipSync(Buffer.alloc(1024))]);
}

/** A gzip of `gib` GiB of zeros. */
function gzipBomb(gib: number): Buffer {
  return Buffer.concat(Array<Buffer>(gib * 16).fill(gzipSync(ZEROS, { level: 9 })));
}

/** A zip holding one deflated entry of 1 GiB of zeros: deflate blocks of 64 MiB of zeros, repeated. */
function zipBomb(): Buffer {
  const blocks = 16;
  const block = deflateRawSync(ZEROS, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const data = Buffer.concat([...Array<Buffer>(blocks).fill(block), deflateRawSync(Buffer.alloc(0))]);
  let crc = 0;
  for (let i = 0; i < blocks; i += 1) crc = crc32(ZEROS, crc);
  return zipOf([{ name: 'eleves.csv', deflated: data, crc, size: blocks * ZEROS.length }]);
}

function expectNoServerPath(job: Job, problems: Problem[]): void {
  for (const text of [job.error ?? '', ...problems.map((p) => `${p.file} ${p.detail}`)]) {
    expect(text).not.toContain(os.tmpdir());
    expect(text).not.toContain('passerelle-job-');
    expect(text).not.toMatch(/(^|[\s('"])\/[a-z]+\//);
  }
}

let t: TestGateway;
let writer: Api;
const ecole = newUai('069');
const school = ondePupils(12, '10330');
const started: TestGateway[] = [];

const submit = async (body: Buffer, query: string, contentType = 'text/csv', client = writer): Promise<Job> => {
  const answer = await client.request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}&${query}`, { body, headers: { 'content-type': contentType } });
  expect(answer.status).toBe(202);
  return answer.body;
};
const problemsOf = async (id: string, client = writer): Promise<Problem[]> => (await client.get<{ problems: Problem[] }>(`/v1/sync/jobs/${id}/report`)).body.problems;

beforeAll(async () => {
  // One worker slot: a job that never ended would keep every later one waiting, and these tests with it.
  t = await startTestGateway('hostile_uploads', { REDIS_URL: '', WORKER_CONCURRENCY: '1', MAX_EXPANDED_MB: String(EXPANDED_MB) });
  started.push(t);
  await putEstablishment(t.gateway.store.db, establishment(ecole, LYON, { type: 'ecole' }));
  writer = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${ecole}`] })).token);
}, 60_000);

afterAll(async () => {
  for (const gateway of started) await gateway.close().catch(() => undefined);
});

describe('an ONDE import ends, whatever the file', () => {
  /** The BE1D-era export of the report: every field quoted, CRLF, ISO-8859-1, no INE, "Classe"; 2,000 pupils. */
  const be1d = (withId: boolean) => {
    const line = (cells: string[]) => cells.map((c) => `"${c}"`).join(';');
    const header = ['Nom élève', 'Prénom élève', 'Date naissance', 'Sexe', ...(withId ? ['Identifiant élève'] : []), 'Niveau', 'Classe'];
    const rows = Array.from({ length: 2000 }, (_, i) => line([`Lefèvre${i}`, 'Zoé', '01/02/2017', 'F', ...(withId ? [`B${String(i).padStart(6, '0')}`] : []), 'CE1', i % 2 ? 'CE1 A' : 'CE1 B']));
    return iconv.encode([line(header), ...rows].join('\r\n') + '\r\n', 'latin1');
  };

  it('a BE1D-era export with its pupils\' BE1D ids imports, matched by them', async () => {
    const job = await settled(t, (await submit(be1d(true), 'filename=be1d.csv')).id);
    expect(job).toMatchObject({ state: 'completed', counts: { created: 2 + 2000 * 2, rejected: 0 } });
    const pupils = await t.gateway.store.db.selectFrom('roster_record').select(['data', 'source_ids']).where('uai', '=', ecole).where('kind', '=', 'pupil').execute();
    const pupil = pupils.find((p) => (p.data as { familyName?: string }).familyName === 'Lefèvre7');
    expect(pupil?.source_ids).toMatchObject({ onde: 'B000007' });
    expect(pupil?.data).not.toHaveProperty('ine');
  }, 60_000);

  it('a BE1D-era export without any pupil identifier fails at once, naming the file, the line and the columns expected', async () => {
    const job = await settled(t, (await submit(be1d(false), 'filename=be1d.csv&mode=delta')).id);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(await problemsOf(job.id)).toEqual([{
      file: 'be1d.csv', line: 1, field: 'INE', code: 'missing-column', severity: 'error',
      detail: 'the header lacks the column "INE" or "Identifiant élève" or "ID élève" or "Numéro élève"',
    }]);
  }, 60_000);

  it('a UTF-16 export (with its byte-order mark) imports', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(iconv.decode(school.exportOf(school.all), 'windows-1252'), 'utf16le')]);
    const job = await settled(t, (await submit(utf16, 'filename=eleves-utf16.csv&mode=delta')).id);
    expect(job).toMatchObject({ state: 'completed', counts: { created: 2 + 12 * 2, rejected: 0 } });
  }, 60_000);

  it('200 KB of random bytes fail with a problem naming the file, the line and what was expected', async () => {
    const job = await settled(t, (await submit(randomBytes(200 * 1024), 'filename=random.csv&mode=delta')).id);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const [problem, ...others] = await problemsOf(job.id);
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ file: 'random.csv', severity: 'error', line: expect.any(Number) });
    expect(problem.detail).toMatch(/expected|lacks the column/);
  }, 60_000);

  it('a UTF-8 export with one Latin-1 line fails naming that line and the encodings expected', async () => {
    const utf8 = Buffer.from(iconv.decode(school.exportOf(school.all), 'windows-1252'), 'utf8');
    // Past the 64 KB the encoding is told from: the file reads as UTF-8 until the odd line.
    const padding = Array.from({ length: 1500 }, (_, i) => `Famille${i};;Prénom;01/05/2017;;CE2;Classe A;A`).join('\r\n');
    const oddLine = iconv.encode('Lefèvre;;Zoé;01/05/2017;;CE2;Classe A;A', 'latin1');
    const body = Buffer.concat([utf8, Buffer.from(`\r\n${padding}\r\n`), oddLine]);
    const job = await settled(t, (await submit(body, 'filename=mixed.csv&mode=delta')).id);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const problems = await problemsOf(job.id);
    expect(problems.at(-1)).toMatchObject({ file: 'mixed.csv', line: 13 + 1500 + 1, code: 'bad-encoding', severity: 'error' });
    expect(problems.at(-1)!.detail).toContain('ISO-8859-1');
  }, 60_000);
});

describe('archive bombs', () => {
  it(`a 1 MB zip expanding to 1 GiB is refused at the ${EXPANDED_MB} MiB bound, before it is written, and leaves no folder`, async () => {
    const bomb = zipBomb();
    expect(bomb.length).toBeLessThan(2 * MIB);
    let id: string | undefined;
    const watching = watch(() => id);
    id = (await submit(bomb, 'mode=delta', 'application/zip')).id;
    const job = await settled(t, id);
    const seen = watching.stop();
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const problems = await problemsOf(id);
    expect(problems).toEqual([expect.objectContaining({ file: 'upload.zip', code: 'archive-too-large', severity: 'error' })]);
    expect(problems[0].detail).toContain(`MAX_EXPANDED_MB: ${EXPANDED_MB} MiB`);
    expect(problems[0].detail).toContain('MAX_EXPANSION_RATIO');
    expect(seen.peakBytes).toBeLessThanOrEqual(EXPANDED_MB * MIB + 2 * MIB);
    expect(seen.left).toEqual([]);
    expectNoServerPath(job, problems);
  }, 120_000);

  it(`a 1 MB tar.gz expanding to 1 GiB stops at the ${EXPANDED_MB} MiB bound, in little memory, and leaves no folder`, async () => {
    const bomb = tarGzBomb(1);
    expect(bomb.length).toBeLessThan(2 * MIB);
    let id: string | undefined;
    const watching = watch(() => id);
    id = (await submit(bomb, 'mode=delta&filename=delivery.tar.gz', 'application/gzip')).id;
    const job = await settled(t, id, 60_000);
    const seen = watching.stop();
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const problems = await problemsOf(id);
    expect(problems).toEqual([expect.objectContaining({ file: 'delivery.tar.gz', code: 'archive-too-large', severity: 'error' })]);
    expect(problems[0].detail).toContain(`MAX_EXPANDED_MB: ${EXPANDED_MB} MiB`);
    expect(seen.peakBytes).toBeLessThanOrEqual(EXPANDED_MB * MIB + 2 * MIB);
    expect(seen.rssGrowth).toBeLessThan(200 * MIB);
    expect(seen.left).toEqual([]);
    expectNoServerPath(job, problems);
  }, 120_000);

  it('a damaged archive fails without a server path in its error, and leaves no folder', async () => {
    const csv = school.exportOf(school.all);
    const archive = gzipSync(Buffer.concat([tarHeader('eleves.csv', csv.length), csv, Buffer.alloc(512 - (csv.length % 512)), Buffer.alloc(1024)]));
    let id: string | undefined;
    const watching = watch(() => id);
    id = (await submit(archive.subarray(0, archive.length - 40), 'mode=delta&filename=delivery.tar.gz', 'application/gzip')).id;
    const job = await settled(t, id);
    const seen = watching.stop();
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const problems = await problemsOf(id);
    expect(problems).toEqual([expect.objectContaining({ file: 'delivery.tar.gz', code: 'bad-archive', severity: 'error' })]);
    expect(seen.left).toEqual([]);
    expectNoServerPath(job, problems);
  }, 60_000);

  it('a zip with two entries of one name fails saying so, without the server folder the write failed in', async () => {
    const csv = school.exportOf(school.all);
    let id: string | undefined;
    const watching = watch(() => id);
    id = (await submit(zipOf([{ name: 'a/eleves.csv', bytes: csv }, { name: 'b/eleves.csv', bytes: csv }]), 'mode=delta', 'application/zip')).id;
    const job = await settled(t, id);
    const seen = watching.stop();
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    const problems = await problemsOf(id);
    expect(problems).toEqual([{ file: 'upload.zip', code: 'bad-archive', severity: 'error', detail: 'upload.zip: two entries are named eleves.csv; expected each file once' }]);
    expect(seen.left).toEqual([]);
    expectNoServerPath(job, problems);
  }, 60_000);

  it('a small archive of very repetitive lines expands past the ratio up to 16 MiB, not beyond', async () => {
    const limits = { maxBytes: EXPANDED_MB * MIB, maxRatio: 100 };
    const stored = (bytes: Buffer) => [{ name: 'eleves.csv.gz', size: bytes.length, open: async function* () { yield bytes; } }];
    const lines = Buffer.from('Famille;;Prénom;01/05/2017;;CE2;Classe A;A\r\n'.repeat(100_000));
    const repetitive = gzipSync(lines);
    expect(repetitive.length * 100).toBeLessThan(4 * MIB);
    const unpacked = await unpackInput(stored(repetitive), { limits, label: 'ratio-floor' });
    expect(unpacked.files.map((f) => f.size)).toEqual([lines.length]);
    await unpacked.dispose();
    await expect(unpackInput(stored(gzipSync(Buffer.alloc(17 * MIB))), { limits, label: 'ratio-floor' })).rejects.toMatchObject({ code: 'archive-too-large' });
  });
});

describe('cancelling, and restarting', () => {
  it('a cancelled job ends within seconds while it unpacks, removes its folder, and frees its slot for the next', async () => {
    // Bounds high enough for a 2 GiB gzip: it would take many seconds to unpack.
    const slow = await startTestGateway('hostile_cancel', { REDIS_URL: '', WORKER_CONCURRENCY: '1', MAX_EXPANSION_RATIO: '100000' });
    started.push(slow);
    await putEstablishment(slow.gateway.store.db, establishment(ecole, LYON, { type: 'ecole' }));
    const client = api(slow.baseUrl, (await createClientWithToken(slow.gateway.store.db, slow.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${ecole}`] })).token);
    const post = (body: Buffer, query: string, contentType: string) =>
      client.request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}&${query}`, { body, headers: { 'content-type': contentType } });

    let id: string | undefined;
    const watching = watch(() => id);
    id = (await post(gzipBomb(2), 'mode=delta&filename=eleves.csv.gz', 'application/gzip')).body.id;
    for (let i = 0; i < 200 && watching.stop().peakBytes === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    const next = (await post(school.exportOf(school.all), 'filename=eleves.csv', 'text/csv')).body;
    expect((await findJob(slow.gateway.store.db, next.id))?.state).toBe('queued');

    const asked = Date.now();
    expect((await client.post<Job>(`/v1/sync/jobs/${id}/cancel`, undefined)).status).toBe(200);
    const cancelled = await settled(slow, id, 10_000);
    expect(cancelled.state).toBe('cancelled');
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(await settled(slow, next.id, 15_000)).toMatchObject({ state: 'completed', counts: { created: 2 + 12 * 2 } });
    expect(watch(() => id).stop().left).toEqual([]);
  }, 120_000);

  it('the folder a killed run left behind goes with the job\'s next run', async () => {
    const db = t.gateway.store.db;
    const csv = school.exportOf(school.all);
    const archive = gzipSync(Buffer.concat([tarHeader('eleves.csv', csv.length), csv, Buffer.alloc(512 - (csv.length % 512)), Buffer.alloc(1024)]));
    const { job } = await createJob(db, {
      connector: 'onde', mode: 'delta', uai: ecole, lockKey: ecole, submittedBy: OPERATOR, idempotencyKey: null,
      options: { lenientIdentifiers: false, confirmed: false, inputName: 'delivery.tar.gz' },
    }, [{ name: 'delivery.tar.gz', open: async function* () { yield archive; } }], () => 1);
    const leftover = fs.mkdtempSync(path.join(os.tmpdir(), `passerelle-job-${job.id}-`));
    fs.writeFileSync(path.join(leftover, 'eleves.csv'), csv);
    const handler = jobHandler(db, createLogger('silent'), { staleAfterSeconds: 30, syncConfig: undefined, unpack: { maxBytes: EXPANDED_MB * MIB, maxRatio: 100 } });
    expect(await handler(job.id, { number: 1, last: true })).toBe('finished');
    expect(await findJob(db, job.id)).toMatchObject({ state: 'completed' });
    expect(fs.existsSync(leftover)).toBe(false);
    expect(watch(() => job.id).stop().left).toEqual([]);
  }, 60_000);

  it('a job that failed on bad input is not run again when the gateway restarts', async () => {
    const failed = await settled(t, (await submit(randomBytes(200 * 1024), 'filename=random.csv&mode=delta')).id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    await t.close();
    const again = await startTestGateway('hostile_uploads', { REDIS_URL: '', DATABASE_SCHEMA: t.schema });
    started.push(again);
    // The next gateway takes up unfinished jobs as it starts: give it the time to (wrongly) take this one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await findJob(again.gateway.store.db, failed.id)).toMatchObject({ state: 'failed', attempts: 1 });
  }, 60_000);
});
