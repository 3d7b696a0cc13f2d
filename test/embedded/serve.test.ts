// The embedded default as `npm start` runs it: no DATABASE_URL, PGlite in a data folder, demo data loaded the
// first time, credentials printed, the folder locked against a second process, and a clean stop on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.js';
import { fetchToken } from '../support/clients.js';
import { freePort } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The environment of a fresh shell on this machine: no database or Redis configured. */
function embeddedEnv(port: number): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, DATABASE_SCHEMA: _s, REDIS_URL: _r, DEMO_DATA: _demo, ...rest } = process.env;
  return { ...rest, PASSERELLE_DATA_DIR: dataDir, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' };
}

const cli = ['--import', 'tsx', 'gateway/main.ts'];

async function serve(port: number): Promise<{ child: ChildProcess; clientId: string; clientSecret: string }> {
  const child = spawn(process.execPath, [...cli, 'serve'], { env: embeddedEnv(port), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  for (let i = 0; i < 600 && !/client_secret\s+\S+/.test(stderr); i += 1) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const clientId = /client_id\s+(\S+)/.exec(stderr)?.[1];
  const clientSecret = /client_secret\s+(\S+)/.exec(stderr)?.[1];
  if (!clientId || !clientSecret) throw new Error(`no credentials in the banner: ${stderr}`);
  expect(stderr).toContain(`http://127.0.0.1:${port}/docs`);
  expect(stderr).toMatch(/curl -s -u '[^']+' -d grant_type=client_credentials/);
  return { child, clientId, clientSecret };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start on the embedded default', () => {
  it('serves the demo with the printed credentials, locks its folder, stops cleanly and starts again as it was', async () => {
    const port = await freePort();
    const first = await serve(port);
    const base = `http://127.0.0.1:${port}`;
    const token = await fetchToken(base, first.clientId, first.clientSecret);
    const listing = await api(base, token.access_token).get('/v1/establishments?limit=1000');
    const uais = (listing.body as { data: { uai: string; type: string }[] }).data;
    expect(new Set(uais.map((e) => e.type))).toEqual(new Set(['ecole', 'college', 'lycee']));
    expect((await api(base).get('/ready')).body).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'not-configured' } });
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');

    // Without Redis, sync jobs run in the gateway process, on the embedded database.
    const ecole = uais.find((e) => e.type === 'ecole')!.uai;
    const school = ondePupils(6, '10230');
    const writer = api(base, token.access_token);
    const submitted = await writer.request('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}`, { body: school.exportOf(school.all), headers: { 'content-type': 'text/csv' } });
    expect(submitted.status).toBe(202);
    let job = submitted.body as { id: string; state: string; counts?: Record<string, number> };
    for (let i = 0; i < 300 && ['queued', 'running'].includes(job.state); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await writer.get(`/v1/sync/jobs/${job.id}`)).body as typeof job;
    }
    expect(job).toMatchObject({ state: 'completed', counts: { created: 14, rejected: 0 } });

    // A second process on the same folder would lose writes: it is refused, and says why.
    const second = spawnSync(process.execPath, [...cli, 'migrate'], { env: embeddedEnv(port), encoding: 'utf8' });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`is in use by process ${first.child.pid}`);

    expect(await stop(first.child)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'passerelle.lock'))).toBe(false);

    const again = await serve(port);
    expect(again.clientId).toBe(first.clientId);
    const token2 = await fetchToken(base, again.clientId, again.clientSecret);
    const relisted = await api(base, token2.access_token).get('/v1/establishments?limit=1000');
    expect((relisted.body as { data: unknown[] }).data).toHaveLength(uais.length);
    expect(await stop(again.child)).toBe(0);
  }, 120_000);
});
