// The `passerelle` command as people run it: a real process, on the machine's PostgreSQL, in a schema of its own.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../gateway/store/audit.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { openStore } from '../../gateway/store/db.js';
import { migrationProvider } from '../../gateway/store/migrations/index.js';

const schema = uniqueSchema('cli');

function passerelle(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('passerelle', () => {
  it('rotates and retires signing keys, refusing to retire the only one', () => {
    // A fresh store has no key until the authorization server or a rotation makes one.
    expect(JSON.parse(passerelle('keys', 'list', '--json').stdout)).toEqual([]);
    const rotated = passerelle('keys', 'rotate');
    expect(rotated.status, rotated.stderr).toBe(0);
    const keys = JSON.parse(passerelle('keys', 'list', '--json').stdout) as { kid: string; current: boolean }[];
    expect(keys[0].current).toBe(true);
    expect(rotated.stdout).toContain(keys[0].kid);
    const only = passerelle('keys', 'retire', keys[0].kid);
    expect(only.status, only.stderr).toBe(2);
    expect(only.stderr).toContain('is the only active one');
    passerelle('keys', 'rotate');
    const retired = passerelle('keys', 'retire', keys[0].kid);
    expect(retired.status, retired.stderr).toBe(0);
    const after = JSON.parse(passerelle('keys', 'list', '--json').stdout) as { kid: string; retiredAt: string | null }[];
    expect(after.find((k) => k.kid === keys[0].kid)!.retiredAt).not.toBeNull();
  }, 120_000);

  it('registers a relying party with --sso, checking its redirect URIs and scopes', () => {
    const created = passerelle('clients', 'create', '--sso', '--name', 'ENT Lyon', '--scopes', 'openid,profile,children',
      '--redirect-uri', 'https://ent.example.fr/callback', '--redirect-uri', 'http://127.0.0.1:8000/callback',
      '--backchannel-logout-uri', 'https://ent.example.fr/backchannel', '--all-roles', '--json');
    expect(created.status, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({
      kind: 'relying-party', perimeter: ['national'], scopes: [],
      relyingParty: {
        scopes: ['openid', 'profile', 'children'], redirectUris: ['https://ent.example.fr/callback', 'http://127.0.0.1:8000/callback'],
        backchannelLogoutUri: 'https://ent.example.fr/backchannel', refreshTokens: false, allRoles: true,
      },
    });
    expect(client.clientSecret).toMatch(/.{20,}/);
    const insecure = passerelle('clients', 'create', '--sso', '--name', 'X', '--scopes', 'openid', '--redirect-uri', 'http://ent.example.fr/cb');
    expect(insecure.status).toBe(2);
    expect(insecure.stderr).toContain('--redirect-uri: "http://ent.example.fr/cb" must use https');
    const apiScope = passerelle('clients', 'create', '--sso', '--name', 'X', '--scopes', 'openid,roster.read', '--redirect-uri', 'https://x.fr/cb');
    expect(apiScope.stderr).toContain('--scopes: scope "roster.read": a relying party\'s scopes are among');
    const noRedirect = passerelle('clients', 'create', '--sso', '--name', 'X', '--scopes', 'openid');
    expect(noRedirect.stderr).toContain('--redirect-uri: a relying party needs at least one redirect URI');
    const notSso = passerelle('clients', 'create', '--name', 'X', '--scopes', 'roster.read', '--perimeter', 'national', '--redirect-uri', 'https://x.fr/cb');
    expect(notSso.stderr).toContain('go with --sso');
  }, 120_000);

  it('registers a dashboard with --dashboard: no secret, the page its way back, aggregates.read only for it', () => {
    const created = passerelle('clients', 'create', '--dashboard', '--name', 'Tableau de bord de Lyon', '--perimeter', 'academie:10', '--json');
    expect(created.status, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({
      kind: 'relying-party', authMethod: 'none', perimeter: ['academie:10'], scopes: [],
      relyingParty: {
        scopes: ['openid', 'profile', 'aggregates.read'], redirectUris: [expect.stringMatching(/^http.*\/dashboard$/)], dashboard: true,
        backchannelLogoutUri: null, refreshTokens: false, allRoles: false,
      },
    });
    expect(client.relyingParty.postLogoutRedirectUris).toEqual(client.relyingParty.redirectUris);
    expect(client.clientSecret).toBeUndefined();
    const text = passerelle('clients', 'create', '--dashboard', '--name', 'Tableau de bord du ministère', '--perimeter', 'national');
    expect(text.stdout).toMatch(/dashboard: yes[\s\S]*sign in at http\S*\/dashboard with "Se connecter avec le compte académique"/);
    expect(text.stdout).not.toContain('secret');
    const noPerimeter = passerelle('clients', 'create', '--dashboard', '--name', 'X');
    expect([noPerimeter.status, noPerimeter.stderr]).toEqual([2, expect.stringContaining('--perimeter is required for a dashboard')]);
    const withKeys = passerelle('clients', 'create', '--dashboard', '--name', 'X', '--perimeter', 'national', '--auth', 'private_key_jwt');
    expect(withKeys.stderr).toContain('a dashboard takes no');
    const noAggregates = passerelle('clients', 'create', '--dashboard', '--name', 'X', '--perimeter', 'national', '--scopes', 'openid,profile');
    expect(noAggregates.stderr).toContain('--scopes: scopes: a dashboard needs aggregates.read');
    const notDashboard = passerelle('clients', 'create', '--sso', '--name', 'X', '--scopes', 'openid,aggregates.read', '--redirect-uri', 'https://x.fr/cb');
    expect(notDashboard.stderr).toContain('--scopes: scope "aggregates.read": a relying party\'s scopes are among');
  }, 120_000);

  it('refreshes the aggregates on demand, all establishments the first time and none when nothing changed', () => {
    const first = passerelle('aggregates', 'refresh', '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ skipped: false, days: 0 });
    const second = passerelle('aggregates', 'refresh');
    expect(second.stdout).toMatch(/^0 establishment\(s\) and 0 school day\(s\) of lessons refreshed/);
  }, 120_000);

  beforeAll(async () => {
    const migrated = passerelle('migrate', '--json');
    expect(migrated.status).toBe(0);
    expect(JSON.parse(migrated.stdout)).toEqual({ applied: Object.keys(await migrationProvider.getMigrations()) });
  });

  it('says what each sub-command does with --help', () => {
    const top = passerelle('--help');
    expect(top.status).toBe(0);
    const commands = ['serve', 'migrate', 'clients', 'demo', 'audit', 'aggregates', 'keys', 'worker', 'import', 'jobs', 'export', 'push'];
    for (const command of commands) expect(top.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    for (const command of commands) {
      const help = passerelle(command, '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: passerelle ${command}`);
    }
    expect(passerelle('serve', '--help').stdout).toContain('DATABASE_URL');
  }, 180_000);

  it('migrates once: a second run has nothing to apply', () => {
    const again = passerelle('migrate');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('the database is up to date\n');
  });

  it('seeds a demo of the asked size', () => {
    const seeded = passerelle('demo', '--establishments', '2', '--people', '30', '--json');
    expect(seeded.status).toBe(0);
    const summary = JSON.parse(seeded.stdout) as { establishments: number; people: number; outcomes: Record<string, number> };
    expect(summary).toMatchObject({ establishments: 2, people: 30 });
    const again = JSON.parse(passerelle('demo', '--establishments', '2', '--people', '30', '--json').stdout) as typeof summary;
    expect(again.outcomes.created + again.outcomes.updated + again.outcomes.deleted).toBe(0);
  }, 120_000);

  it('shows the audit log, filtered, as a table or one JSON array', async () => {
    const cliStore = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
    await appendAudit(cliStore.db, [
      { clientId: 'pas_reader', uai: '0691234J', entity: 'person', count: 12, requestId: 'r1' },
      { clientId: 'pas_other', uai: '0011234E', entity: 'membership', count: 3, requestId: 'r2' },
    ]);
    await cliStore.close();

    const json = passerelle('audit', '--client', 'pas_reader', '--json');
    expect(json.status).toBe(0);
    const lines = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ clientId: 'pas_reader', uai: '0691234J', entity: 'person', count: 12, requestId: 'r1' });

    const table = passerelle('audit');
    expect(table.stdout).toContain('pas_other');
    expect(table.stdout).toContain('membership');

    const bad = passerelle('audit', '--uai', '069123');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('expected a UAI');
  }, 120_000);
});

describe('passerelle serve', () => {
  it('says so when its port is taken, instead of a stack trace', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'serve', '--port', String(port)], {
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', DEMO_DATA: 'false' },
        encoding: 'utf8', timeout: 60_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
