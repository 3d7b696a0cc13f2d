// The sync configuration at work, with real servers: a pull takes an ONDE export dropped in a folder into an
// import job; an export job writes the école's GAR package and pushes it to a real OpenSSH SFTP server and to
// a real HTTP receiver that checks the HMAC signature of each file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/config.js';
import { parseSyncConfig, type SyncConfig } from '../../gateway/config/sync-config.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { findJob, OPERATOR } from '../../gateway/store/jobs.js';
import type { SyncJobRow } from '../../gateway/store/tables.js';
import { runPull, runScheduledPush } from '../../gateway/sync/jobs/schedules.js';
import { openSyncJobs, type SyncJobs } from '../../gateway/sync/jobs/service.js';
import { verifySignature, type SignatureCheck } from '../../gateway/sync/transport/webhook-signature.js';
import { TEST_DATABASE_URL } from '../support/database.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';
import { startSftpServer, type TestSftpServer } from '../support/sftp-server.js';
import { openTestStore } from '../support/store.js';

const SECRET = 'a webhook secret of enough length';
const store = await openTestStore('push_pull');
const ecole = newUai('069');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-push-pull-'));
const dropFolder = path.join(work, 'depot');
let sftp: TestSftpServer;
let receiver: http.Server;
const received: { check: SignatureCheck; body: Buffer }[] = [];
let syncConfig: SyncConfig;
let jobs: SyncJobs;

beforeAll(async () => {
  sftp = await startSftpServer();
  fs.mkdirSync(path.join(sftp.root, 'gar'));
  fs.mkdirSync(dropFolder);
  receiver = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      received.push({ check: verifySignature({ headers: req.headers, body }, SECRET), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  fs.writeFileSync(path.join(work, 'sftp.key'), sftp.privateKey);
  const yaml = `
version: 1
pulls:
  - id: onde-ecole
    for: uai:${ecole}
    connector: onde
    mode: complete
    schedule: 1h
    source: { kind: folder, path: ${dropFolder}, pattern: "*.csv", settleSeconds: 0 }
pushes:
  - id: gar-sftp
    for: departement:069
    connector: gar
    destination:
      kind: sftp
      host: 127.0.0.1
      port: ${sftp.port}
      username: ${sftp.username}
      hostKeyFingerprint: ${sftp.hostKeyFingerprint}
      privateKey: { file: sftp.key }
      path: ${path.join(sftp.root, 'gar')}
  - id: ent-hook
    for: uai:${ecole}
    connector: gar
    destination:
      kind: webhook
      url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/deliveries
      secret: { env: HOOK_SECRET }
`;
  fs.writeFileSync(path.join(work, 'sync.yaml'), yaml);
  syncConfig = parseSyncConfig(yaml, path.join(work, 'sync.yaml'), { HOOK_SECRET: SECRET }, { connectors: { pull: ['onde'], push: ['gar'] } });
  const config = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: store.schema });
  jobs = await openSyncJobs(config, store.db, createLogger('silent'), { resume: false, syncConfig });
  await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole', name: 'École des Tilleuls' }));
}, 60_000);

afterAll(async () => {
  await jobs?.close();
  await sftp?.stop();
  receiver?.close();
  await store.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function settled(id: string): Promise<SyncJobRow> {
  for (let i = 0; i < 600; i += 1) {
    const job = await findJob(store.db, id);
    if (job && ['completed', 'failed', 'held', 'cancelled'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not settle`);
}

it('pulls an export dropped in a folder into an import job, and moves the file aside once taken', async () => {
  const school = ondePupils(12, '10220');
  fs.writeFileSync(path.join(dropFolder, 'CSVExtraction.csv'), school.exportOf(school.all));
  const job = await runPull(jobs, syncConfig.pulls[0]);
  expect(job).toMatchObject({ connector: 'onde', uai: ecole, submitted_by: OPERATOR });
  expect(await settled(job!.id)).toMatchObject({ state: 'completed', counts: { created: 26, rejected: 0 } });
  expect(fs.readdirSync(dropFolder).filter((f) => f.endsWith('.csv'))).toEqual([]);
  expect(fs.readdirSync(path.join(dropFolder, 'done'))).toEqual([expect.stringMatching(/_CSVExtraction\.csv$/)]);
  expect(await runPull(jobs, syncConfig.pulls[0])).toBeUndefined();
}, 60_000);

it('pushes the GAR package to the SFTP server and to the webhook, each file signed', async () => {
  const [queued] = await runScheduledPush(store.db, jobs, syncConfig.pushes[0]);
  expect(queued).toMatchObject({ kind: 'export', connector: 'gar', uai: ecole });
  const job = await settled(queued.id);
  expect(job.state).toBe('completed');
  expect(job.output).toMatchObject({ pushedTo: ['gar-sftp', 'ent-hook'], entries: expect.objectContaining({ GAREleve: 12 }) });

  const delivered = fs.readdirSync(path.join(sftp.root, 'gar')).sort();
  expect(delivered).toEqual([expect.stringMatching(/_GAR-ENT_Complet_.*\.md5$/), expect.stringMatching(/_GAR-ENT_Complet_.*\.tar\.gz$/)]);
  const archive = fs.readFileSync(path.join(sftp.root, 'gar', delivered[1]));
  expect(fs.readFileSync(path.join(sftp.root, 'gar', delivered[0]), 'utf8').trim()).toBe(createHash('md5').update(archive).digest('hex'));

  expect(received).toHaveLength(2);
  expect(received.map((r) => r.check.valid)).toEqual([true, true]);
  expect(received.map((r) => (r.check as { fileName: string }).fileName)).toEqual([delivered[1], delivered[0]]);
  expect(received[0].body.equals(archive)).toBe(true);
}, 60_000);

it('does the same from the command line: passerelle push gar', async () => {
  const before = received.length;
  // Not spawnSync: the webhook receiver answers from this very process.
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'push', 'gar', '--uai', ecole, '--json'], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: store.schema, REDIS_URL: '', LOG_LEVEL: 'warn', PASSERELLE_SYNC_CONFIG: path.join(work, 'sync.yaml'), HOOK_SECRET: SECRET },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({ kind: 'export', state: 'completed', output: { pushedTo: ['gar-sftp', 'ent-hook'] } });
  expect(received.slice(before).map((r) => r.check.valid)).toEqual([true, true]);
}, 60_000);

it('fails an export with no destination, saying where to declare one', async () => {
  const other = newUai('001');
  await putEstablishment(store.db, establishment(other, { communeCode: '01053', departementCode: '001', regionCode: '84', academieCode: '10' }, { type: 'college' }));
  const { job } = await jobs.submit({
    kind: 'export', connector: 'gar', mode: 'complete', uai: other, lockKey: `export:${other}`,
    options: { lenientIdentifiers: false, confirmed: false }, submittedBy: OPERATOR, idempotencyKey: null,
  }, []);
  expect(await settled(job.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('declare a push in the sync configuration (PASSERELLE_SYNC_CONFIG)') });
}, 60_000);
