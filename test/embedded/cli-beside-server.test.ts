// The command line beside `npm start` on the embedded default: each command goes through the server's socket
// and the server sees what it did at once; a killed server's lock and socket do not keep the next one out.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.js';
import { fetchToken } from '../support/clients.js';
import { freePort } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';
import { embeddedEnv, passerelle, serve, stop } from './embedded-server.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-beside-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

/** The single JSON document a `--json` command printed, or the documents of its lines. */
function jsonOf(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
  }
}

describe('the command line while the server runs on the embedded database', () => {
  it('creates a client, imports, lists jobs, reads the audit and exports, the server seeing each result', async () => {
    const dataDir = path.join(root, 'data');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await serve(dataDir, port, children);
    const env = embeddedEnv(dataDir, port);

    const created = await passerelle(env, 'clients', 'create', '--name', 'ENT beside', '--scopes', 'roster.read,roster.identifiers', '--perimeter', 'academie:10', '--json');
    expect(created.status, created.stderr).toBe(0);
    const client = jsonOf(created.stdout) as { clientId: string; clientSecret: string };
    // The running server knows the client at once: it gets a token and reads.
    const token = (await fetchToken(base, client.clientId, client.clientSecret)).access_token;
    const establishments = await api(base, token).get<{ data: { uai: string; type: string }[] }>('/v1/establishments?type=ecole&limit=1');
    expect(establishments.status).toBe(200);
    const ecole = establishments.body.data[0].uai;

    const pupilCount = async () => {
      const listing = await api(base, token).get(`/v1/establishments/${ecole}/people?kind=pupil&limit=1&count=true`);
      expect(listing.status).toBe(200);
      return Number(listing.headers.get('x-total-count'));
    };
    const before = await pupilCount();

    // An import runs in the command, through the socket, once; the server serves its records.
    const file = path.join(root, 'onde.csv');
    const school = ondePupils(6, '10240');
    fs.writeFileSync(file, school.exportOf(school.all));
    const imported = await passerelle(env, 'import', 'onde', file, '--uai', ecole, '--json');
    expect(imported.status, imported.stderr).toBe(0);
    const job = jsonOf(imported.stdout) as { id: string; state: string; counts: { created: number; rejected: number } };
    expect(job).toMatchObject({ state: 'completed', counts: { created: 14, rejected: 0 } });
    expect(await pupilCount()).toBe(before + 6);

    const jobs = await passerelle(env, 'jobs', 'list', '--json');
    expect(jobs.status, jobs.stderr).toBe(0);
    expect(jobs.stdout).toContain(job.id);

    // The server's audit entry for that read is there for the command to show.
    const audit = await passerelle(env, 'audit', '--client', client.clientId, '--json');
    expect(audit.status, audit.stderr).toBe(0);
    expect(audit.stdout).toContain(ecole);

    const out = path.join(root, 'gar');
    const exported = await passerelle(env, 'export', 'gar', '--uai', ecole, '--out', out, '--json');
    expect(exported.status, exported.stderr).toBe(0);
    expect(fs.readdirSync(out).some((f) => f.endsWith('.tar.gz'))).toBe(true);

    const revoked = await passerelle(env, 'clients', 'revoke', client.clientId, '--json');
    expect(revoked.status, revoked.stderr).toBe(0);
    expect((await api(base, token).get('/v1/establishments?limit=1')).status).toBe(401);

    expect(await stop(server.child)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'passerelle.sock'))).toBe(false);
  }, 600_000);

  it('starts again over the lock and socket a killed server left, and commands work beside it', async () => {
    const dataDir = path.join(root, 'killed');
    const port = await freePort();
    const first = await serve(dataDir, port, children);
    await stop(first.child, 'SIGKILL');
    expect(fs.existsSync(path.join(dataDir, 'passerelle.lock'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'passerelle.sock'))).toBe(true);

    const again = await serve(dataDir, port, children);
    expect(again.clientId).toBe(first.clientId);
    const listed = await passerelle(embeddedEnv(dataDir, port), 'clients', 'list', '--json');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(first.clientId);
    expect(await stop(again.child)).toBe(0);
  }, 300_000);
});
