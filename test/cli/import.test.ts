// `passerelle import annuaire` as an operator runs it on an export of the national directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { IMPORTERS } from '../../gateway/sync/importers.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { ondePupils } from '../support/onde-export.js';

const schema = uniqueSchema('import');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function passerelle(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const file = path.join(folder, 'fr-en-annuaire-education.csv');
fs.writeFileSync(file, iconv.encode([
  'identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;code_commune;nom_commune;code_departement;code_region;code_academie;libelle_nature;etat',
  '0050009H;Lycée professionnel Sévigné;Lycée;Public;05061;Gap;05;93;02;LYCEE PROFESSIONNEL;OUVERT',
  '0691234S;Collège Saint-Exupéry;Collège;Privé;69123;Lyon;069;84;10;COLLEGE;OUVERT',
  '0691235A;Collège à la clé fausse;Collège;Public;69123;Lyon;069;84;10;COLLEGE;OUVERT',
].join('\r\n'), 'windows-1252'));

describe('passerelle import', () => {
  it('lists with --help every registered connector, with its summary, its files and what it needs', () => {
    const help = passerelle('import', '--help');
    expect(help.status).toBe(0);
    const connectors = help.stdout.split('Connectors:\n')[1].split('\n\n')[0].replace(/\s+/g, ' ');
    for (const importer of IMPORTERS) {
      expect(connectors).toContain(`${importer.name} ${importer.summary}`.replace(/\s+/g, ' '));
      expect(connectors).toContain(`files: ${importer.files.description}`);
    }
    expect(connectors).toMatch(/ onde [^\n]*; needs --uai/);
    expect(connectors).not.toMatch(/ aaf [^:]*needs --uai/);
  }, 60_000);

  it('names the registered connectors when given another', () => {
    const unknown = passerelle('import', 'pronote', folder);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(`pronote: no such connector; expected one of ${IMPORTERS.map((i) => i.name).join(', ')}`);
  }, 60_000);
});

describe('passerelle import annuaire', () => {
  it('creates the listed establishments, reports each rejected line, and changes nothing the second time', async () => {
    const first = passerelle('import', 'annuaire', file, '--json');
    expect(first.status).toBe(1); // one line was rejected
    const report = JSON.parse(first.stdout) as { state: string; counts: Record<string, number>; problems: { file: string; line: number; field: string; detail: string }[] };
    expect(report.state).toBe('completed-with-errors');
    expect(report.counts).toEqual({ created: 2, updated: 0, unchanged: 0, deleted: 0, rejected: 1 });
    expect(report.problems).toEqual([expect.objectContaining({
      file: 'fr-en-annuaire-education.csv', line: 4, field: 'uai',
      detail: expect.stringContaining('its check letter should be'),
    })]);

    const again = JSON.parse(passerelle('import', 'annuaire', folder, '--json').stdout) as typeof report;
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 2, deleted: 0, rejected: 1 });

    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
    try {
      const rows = await store.db.selectFrom('establishment').select(['uai', 'type', 'departement_code']).orderBy('uai').execute();
      expect(rows).toEqual([
        { uai: '0050009H', type: 'lycee-pro', departement_code: '005' },
        { uai: '0691234S', type: 'college', departement_code: '069' },
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('says which path does not exist', () => {
    const missing = passerelle('import', 'annuaire', path.join(folder, 'nope.csv'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.csv: no such file or folder');
  }, 60_000);
});

describe('passerelle import onde', () => {
  const ecole = '0691240Y';
  const { all, exportOf: bytesOf } = ondePupils(20);
  const exportOf = (pupils: number[], name: string) => {
    const file = path.join(folder, name);
    fs.writeFileSync(file, bytesOf(pupils));
    return file;
  };
  type Report = { state: string; counts: Record<string, number>; problems: unknown[]; establishments: { uai: string; state: string; held?: { deletions: number; total: number } }[] };
  const run = (file: string, ...extra: string[]) => {
    const result = passerelle('import', 'onde', file, '--uai', ecole, '--json', ...extra);
    return { status: result.status, report: JSON.parse(result.stdout || 'null') as Report, stderr: result.stderr };
  };

  it('imports a school, changes nothing on the same export, tombstones a pupil who left, and holds a mass deletion', async () => {
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
    try {
      await store.migrate();
      await putEstablishment(store.db, { uai: ecole, name: 'École des Tilleuls', type: 'ecole', sector: 'public', communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10' });
      const changes = async () => Number((await store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

      const first = run(exportOf(all, 'eleves.csv'));
      expect(first.status).toBe(0);
      expect(first.report).toMatchObject({ state: 'completed', counts: { created: 42, updated: 0, unchanged: 0, deleted: 0, rejected: 0 } });

      const logged = await changes();
      expect(run(exportOf(all, 'eleves.csv')).report.counts).toEqual({ created: 0, updated: 0, unchanged: 42, deleted: 0, rejected: 0 });
      expect(await changes()).toBe(logged);

      const left = run(exportOf(all.filter((i) => i !== 4), 'eleves-sans-4.csv'));
      expect(left.report.counts).toEqual({ created: 0, updated: 0, unchanged: 40, deleted: 2, rejected: 0 });
      const tombstoned = await store.db.selectFrom('roster_record').select(['entity']).where('status', '=', 'deleted').orderBy('entity').execute();
      expect(tombstoned.map((r) => r.entity)).toEqual(['membership', 'person']);
      const deletions = await store.db.selectFrom('change_log').select('record_id').where('op', '=', 'delete').execute();
      expect(deletions).toHaveLength(2);

      const truncated = exportOf(all.slice(0, 8), 'eleves-tronque.csv');
      const held = run(truncated);
      expect(held.status).toBe(3);
      expect(held.report).toMatchObject({ state: 'held', establishments: [{ uai: ecole, state: 'held', held: { deletions: 25, total: 40 } }] });
      expect(await changes()).toBe(logged + 2);
      const confirmed = run(truncated, '--confirm');
      expect(confirmed.report).toMatchObject({ state: 'completed', counts: { deleted: 25 } });
    } finally {
      await store.close();
    }
  }, 180_000);

  it('refuses a UAI without its key, naming the option', () => {
    const bad = passerelle('import', 'onde', path.join(folder, 'eleves.csv'), '--uai', '0691240A');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--uai 0691240A: expected a UAI');
  }, 60_000);
});
