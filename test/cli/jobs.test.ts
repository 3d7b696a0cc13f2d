// `passerelle import`, `passerelle jobs` and `passerelle worker` as operators use them: jobs in this process
// without Redis, and queued for a separate worker with it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema } from '../support/database.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';

const schema = uniqueSchema('cli_jobs');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-jobs-'));
const ecole = newUai('069');
const school = ondePupils(10, '10210');
const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, QUEUE_PREFIX: schema, LOG_LEVEL: 'warn', REDIS_URL: '' };

function passerelle(extraEnv: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
}
const write = (name: string, pupils: number[]) => {
  const file = path.join(folder, name);
  fs.writeFileSync(file, school.exportOf(pupils));
  return file;
};

beforeAll(async () => {
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
  try {
    await store.migrate();
    await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole' }));
  } finally {
    await store.close();
  }
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('without Redis', () => {
  it('lists, shows and confirms jobs; a wrong action says why', () => {
    expect(passerelle({}, 'import', 'onde', write('all.csv', school.all), '--uai', ecole).status).toBe(0);
    const held = passerelle({}, 'import', 'onde', write('two.csv', [0, 1]), '--uai', ecole, '--json');
    expect(held.status).toBe(3);
    const heldJob = JSON.parse(held.stdout) as { id: string; state: string };
    expect(heldJob.state).toBe('held');

    const listed = passerelle({}, 'jobs', 'list', '--json');
    expect((JSON.parse(listed.stdout) as { state: string }[]).map((j) => j.state)).toEqual(['held', 'completed']);
    const table = passerelle({}, 'jobs', 'list', '--state', 'held');
    expect(table.stdout).toContain(heldJob.id);
    expect(table.stdout).not.toContain('completed');

    const shown = passerelle({}, 'jobs', 'show', heldJob.id);
    expect(shown.stdout).toContain(`passerelle jobs confirm ${heldJob.id}`);
    expect(shown.stdout).toMatch(/would delete 17 of its 22 records/);

    const confirmed = passerelle({}, 'jobs', 'confirm', heldJob.id, '--json');
    expect(confirmed.status).toBe(0);
    expect(JSON.parse(confirmed.stdout)).toMatchObject({ state: 'completed', counts: { deleted: 17 } });

    const wrong = passerelle({}, 'jobs', 'retry', heldJob.id);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('is completed: only a job that is failed can be retried');
    expect(passerelle({}, 'jobs', 'show', 'nope').stderr).toContain('expected a job id');
  }, 180_000);
});

describe('with Redis', () => {
  it('queues the import for a worker, which runs it', async () => {
    const queued = passerelle({ REDIS_URL: TEST_REDIS_URL }, 'import', 'onde', write('back.csv', school.all), '--uai', ecole, '--no-wait', '--json');
    expect(queued.status).toBe(0);
    const { id, state } = JSON.parse(queued.stdout) as { id: string; state: string };
    expect(state).toBe('queued');
    expect(passerelle({}, 'worker').stderr).toContain('passerelle worker needs REDIS_URL');

    const worker = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'worker'], { env: { ...env, REDIS_URL: TEST_REDIS_URL }, stdio: 'ignore' });
    try {
      let job: { state: string; counts?: Record<string, number> } = { state: 'queued' };
      for (let i = 0; i < 300 && job.state !== 'completed'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        job = JSON.parse(passerelle({}, 'jobs', 'show', id, '--json').stdout) as typeof job;
      }
      expect(job).toMatchObject({ state: 'completed', counts: { created: 0, updated: 17, unchanged: 5 } }); // tombstones come back
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 180_000);
});
