// What the command line prints and how it ends, as scripts and people rely on it: with --json exactly one JSON
// document on stdout, logs on stderr and only at warn and above unless --verbose, no ANSI escapes off a
// terminal or with NO_COLOR, usage errors exit 2 before any job exists, an import's outcome told honestly (errors
// first, counted, then warnings), and no word from oidc-provider in commands that do not serve.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { ondePupils } from '../support/onde-export.js';

const schema = uniqueSchema('cli_output');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-output-'));
const ecole = newUai('069');
const school = ondePupils(6, '10240');
// LOG_LEVEL at its default: commands must stay quiet at info all the same.
const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, REDIS_URL: '', LOG_LEVEL: 'info', NO_COLOR: '', FORCE_COLOR: '' };
const ESCAPE = '\u001b';
const SGR = /\u001b\[[0-9;]*m/; // colours and text styles

function passerelle(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 90_000 });
}

/** The command run on a pseudo-terminal (util-linux `script`), stdout and stderr together, as a person sees it. */
function onTerminal(args: string[], extraEnv: Record<string, string> = {}): string {
  const command = [process.execPath, '--import', 'tsx', 'gateway/main.ts', ...args].map((a) => `'${a}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 90_000 });
  expect(result.status, result.stdout).toBe(0);
  return result.stdout;
}

/** The export with each pupil's line edited, as ONDE writes it (windows-1252). */
function exportFile(name: string, edit: (line: string, index: number) => string = (line) => line): string {
  const [header, ...lines] = iconv.decode(school.exportOf(school.all), 'windows-1252').split('\r\n');
  const file = path.join(folder, name);
  fs.writeFileSync(file, iconv.encode([header, ...lines.map(edit)].join('\r\n'), 'windows-1252'));
  return file;
}
const nameless = (line: string) => line.replace(/^Famille\d+;/, ';');
const impossibleBirthDate = (line: string) => line.replace(/;0\d\/05\/2017;/, ';31/02/2017;');

let store: Store;
const jobCount = async () => Number((await store.db.selectFrom('sync_job').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
  await store.migrate();
  await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole' }));
}, 60_000);
afterAll(async () => {
  await store?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

interface JobJson {
  id: string;
  state: string;
  error?: string;
  errorCount: number;
  warningCount: number;
  counts: Record<string, number>;
  problems: { severity: string }[];
}

describe('passerelle import', () => {
  it('fails an import whose every line is refused, exits 1, and prints one JSON document and no info log', () => {
    const run = passerelle(['import', 'onde', exportFile('refused.csv', nameless), '--uai', ecole, '--json']);
    expect(run.status, run.stderr).toBe(1);
    const job = JSON.parse(run.stdout) as JobJson; // the whole of stdout: one document
    expect(job).toMatchObject({ state: 'failed', errorCount: 6, warningCount: 0, counts: { created: 0, updated: 0, unchanged: 0, deleted: 0 } });
    expect(job.error).toMatch(/^nothing was written: 6 errors, the first: refused\.csv:2: /);
    expect(run.stderr).not.toContain('"level":30');
    expect(run.stderr).not.toContain('Unsupported runtime');
    expect(run.stdout + run.stderr).not.toContain(ESCAPE);

    const verbose = passerelle(['import', 'onde', exportFile('refused.csv', nameless), '--uai', ecole, '--json', '--verbose']);
    expect(JSON.parse(verbose.stdout)).toMatchObject({ state: 'failed' });
    expect(verbose.stderr).toContain('"msg":"sync job started"');
  }, 180_000);

  it('completes with errors when some lines are refused: exit 1, errors first, counted by code, then warnings counted', () => {
    const run = passerelle(['import', 'onde', exportFile('partial.csv', (line, i) => (i === 0 ? nameless(line) : i === 1 ? impossibleBirthDate(line) : line)), '--uai', ecole]);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/: completed-with-errors\n/);
    const errors = run.stdout.indexOf('errors: 1\n');
    const warnings = run.stdout.indexOf('warnings: 1\n');
    expect(errors).toBeGreaterThan(0);
    expect(warnings).toBeGreaterThan(errors);
    expect(run.stdout.slice(errors, warnings)).toMatch(/^errors: 1\n {2}1 {2}[a-z-]+\n {2}partial\.csv:2: /);
    expect(run.stdout).not.toContain(ESCAPE);
    expect(run.stderr).toBe('');
  }, 120_000);

  it('refuses onde without --uai with exit 2 naming the option, before any job is created', async () => {
    const before = await jobCount();
    const run = passerelle(['import', 'onde', exportFile('no-uai.csv')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--uai is required for onde');
    expect(await jobCount()).toBe(before);

    const unknown = passerelle(['import', 'onde', exportFile('no-uai.csv'), '--uai', ecole, '--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    expect(await jobCount()).toBe(before);
  }, 120_000);
});

describe('passerelle jobs list', () => {
  it('shows the errors and warnings of each job; with --json, one array', () => {
    const listed = passerelle(['jobs', 'list', '--json']);
    expect(listed.status).toBe(0);
    const jobs = JSON.parse(listed.stdout) as JobJson[];
    expect(jobs.map((j) => [j.state, j.errorCount, j.warningCount])).toEqual(expect.arrayContaining([['failed', 6, 0], ['completed-with-errors', 1, 1]]));
    expect(listed.stderr).not.toContain('Unsupported runtime');

    const table = passerelle(['jobs', 'list']);
    expect(table.stdout).toMatch(/│ state +│ created +│ updated +│ deleted +│ rejected +│ errors +│ warnings +│/);
    expect(table.stdout).toMatch(/│ completed-with-errors +│ +\d+ +│ +\d+ +│ +\d+ +│ +1 +│ +1 +│ +1 +│/);
    expect(table.stdout).not.toContain(ESCAPE);
  }, 120_000);
});

describe('on a terminal', () => {
  it('colours tables, unless NO_COLOR is set', () => {
    expect(onTerminal(['jobs', 'list'])).toMatch(SGR);
    const plain = onTerminal(['jobs', 'list'], { NO_COLOR: '1' });
    expect(plain).toContain('completed-with-errors');
    expect(plain).not.toMatch(SGR);
  }, 120_000);

  it('draws the progress bar of an import, which ends at 100%', () => {
    const shown = onTerminal(['import', 'onde', exportFile('all.csv'), '--uai', ecole, '--mode', 'delta'], { NO_COLOR: '1' });
    expect(shown).toMatch(/100% \| completed/);
    expect(shown).not.toMatch(SGR);
  }, 120_000);
});
