// `passerelle import annuaire` as an operator runs it on an export of the national directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../gateway/store/db.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';

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

describe('passerelle import annuaire', () => {
  it('creates the listed establishments, reports each rejected line, and changes nothing the second time', async () => {
    const first = passerelle('import', 'annuaire', file, '--json');
    expect(first.status).toBe(1); // one line was rejected
    const report = JSON.parse(first.stdout) as { files: { counts: Record<string, number>; problems: { file: string; line: number; field: string; detail: string }[] }[] };
    expect(report.files[0].counts).toEqual({ created: 2, updated: 0, unchanged: 0, deleted: 0, rejected: 1 });
    expect(report.files[0].problems).toEqual([expect.objectContaining({
      file: 'fr-en-annuaire-education.csv', line: 4, field: 'uai',
      detail: expect.stringContaining('its check letter should be'),
    })]);

    const again = JSON.parse(passerelle('import', 'annuaire', folder, '--json').stdout) as typeof report;
    expect(again.files[0].counts).toEqual({ created: 0, updated: 0, unchanged: 2, deleted: 0, rejected: 1 });

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
