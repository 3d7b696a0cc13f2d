// The embedded default as `npm start` runs it: no DATABASE_URL, PGlite in a data folder, demo data loaded the
// first time, credentials printed, the folder locked against a second process, and a clean stop on SIGTERM.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.js';
import { fetchToken } from '../support/clients.js';
import { freePort } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';
import { embeddedEnv, passerelle, serve as serveOn, stop } from './embedded-server.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const serve = (port: number) => serveOn(dataDir, port, children);

describe('npm start on the embedded default', () => {
  it('serves the demo with the printed credentials, locks its folder, stops cleanly and starts again as it was', async () => {
    const port = await freePort();
    const first = await serve(port);
    const base = `http://127.0.0.1:${port}`;
    const token = await fetchToken(base, first.clientId, first.clientSecret);
    const listing = await api(base, token.access_token).get('/v1/establishments?limit=1000');
    const uais = (listing.body as { data: { uai: string; type: string }[] }).data;
    expect(new Set(uais.map((e) => e.type))).toEqual(new Set(['ecole', 'college', 'lycee']));
    expect((await api(base).get('/ready')).body).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'not-configured', readReplica: 'not-configured' } });
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

    // A second server on the same folder would lose writes: it is refused, and says why.
    const second = await passerelle(embeddedEnv(dataDir, await freePort()), 'serve');
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`is in use by process ${first.child.pid}`);

    expect(await stop(first.child)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'passerelle.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'passerelle.sock'))).toBe(false);

    const again = await serve(port);
    expect(again.clientId).toBe(first.clientId);
    const token2 = await fetchToken(base, again.clientId, again.clientSecret);
    const relisted = await api(base, token2.access_token).get('/v1/establishments?limit=1000');
    expect((relisted.body as { data: unknown[] }).data).toHaveLength(uais.length);
    expect(await stop(again.child)).toBe(0);
  }, 300_000);
});
