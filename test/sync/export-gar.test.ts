import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XmlElement } from '../../connectors/kit/xml.js';
import { establishmentRoster } from '../../gateway/feeds/exports/queries.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { exportGar, UnknownEstablishmentError } from '../../gateway/sync/export-gar.js';
import { TEST_DATABASE_URL } from '../support/database.js';
import { division, establishment, guardian, newUai, pupil, remove, upsert } from '../support/fixtures.js';
import { checkGarDocument, childTexts, readXmlRoot, type Degree } from '../support/gar-structure.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const dirs: string[] = [];
beforeAll(async () => {
  store = await openTestStore('export_gar');
});
afterAll(async () => {
  await store.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gar-export-'));
  dirs.push(dir);
  return dir;
}

const NOW = new Date('2026-11-23T19:30:05Z');
type Rec = Record<string, unknown>;
const teacher = (familyName: string, overrides: Rec = {}): Rec => ({ id: randomUUID(), kind: 'teacher', familyName, givenName: 'Anne', ...overrides });
const group = (code: string, name: string): Rec => ({ id: randomUUID(), kind: 'group', code, name });
const subject = (code: string, name: string): Rec => ({ id: randomUUID(), code, name });
const membership = (person: Rec, to: Rec, overrides: Rec = {}): Rec => ({ id: randomUUID(), personId: person.id, groupId: to.id, role: person.kind === 'pupil' ? 'pupil' : 'teacher', ...overrides });

/** Every XML file of an export, checked against the schema's structure, its entries by element name. */
async function readExport(files: string[], degree: Degree): Promise<Map<string, XmlElement[]>> {
  const byName = new Map<string, XmlElement[]>();
  for (const file of files.filter((f) => f.endsWith('.xml'))) {
    const root = await readXmlRoot(fs.readFileSync(file), path.basename(file));
    expect(checkGarDocument(root, degree), file).toEqual([]);
    for (const entry of root.children) {
      const name = entry.name.replace(/^men:/, '');
      byName.set(name, [...(byName.get(name) ?? []), entry]);
    }
  }
  return byName;
}

const text = (element: XmlElement, name: string): string | undefined => childTexts(element, name)[0];
const rows = (entries: XmlElement[] | undefined, ...names: string[]): (string | undefined)[][] =>
  (entries ?? []).map((e) => names.map((name) => text(e, name))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const sorted = <T>(items: T[][]): T[][] => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('the GAR export of an establishment', () => {
  it("round-trips a collège's roster into second-degree files, packed with their md5", async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, undefined, { name: 'Collège Jean Moulin' }));
    const sixA = division('6A', { name: '6e A', level: '6E' });
    const fiveB = division('5B', { level: '5E', mef: { code: '10110001110', label: '5EME' } });
    const english = group('ANG-LV1', 'Anglais LV1 & co');
    const lea = pupil({ familyName: 'Martin', givenName: 'Léa', birthDate: '2014-02-03' });
    const noe = pupil({ familyName: "L'Hôte <dit Noé>", givenName: 'Noé' });
    const sam = pupil({ familyName: 'Benali', givenName: 'Sam' });
    const gone = pupil({ familyName: 'Parti', givenName: 'Paul' });
    const durand = teacher('Durand', { email: 'anne.durand@ac-lyon.fr', birthDate: '1980-05-06' });
    const petit = teacher('Petit');
    const cpe = { id: randomUUID(), kind: 'staff', familyName: 'Roux', givenName: 'Marc', functions: [{ code: 'CPE', label: 'EDUCATION' }] };
    const mother = guardian();
    const subjects = [subject('020700', 'FRANCAIS'), subject('030201', 'ANGLAIS LV1')];
    const [french, englishSubject] = subjects.map((s) => s.id as string);
    const memberships = [
      membership(lea, sixA), membership(lea, english), membership(noe, fiveB), membership(noe, english), membership(sam, fiveB), membership(sam, english, { endDate: '2026-10-16' }),
      membership(durand, sixA, { subjectIds: [french] }), membership(durand, english, { subjectIds: [englishSubject] }), membership(petit, fiveB, { subjectIds: [englishSubject, french] }),
    ];
    await applyBatch(store.db, uai, [
      ...[lea, noe, sam, gone, durand, petit, cpe, mother].map((p) => upsert('person', p)),
      ...[sixA, fiveB, english].map((g) => upsert('group', g)),
      ...subjects.map((s) => upsert('subject', s)),
      ...memberships.map((m) => upsert('membership', m)),
      upsert('guardianLink', { id: randomUUID(), guardianId: mother.id, pupilId: lea.id, legalRepresentative: true }),
    ] as never);
    await applyBatch(store.db, uai, [remove('person', { id: gone.id })] as never);

    const outDir = path.join(tempDir(), 'nouveau');
    const progress: string[] = [];
    const result = await exportGar(store.db, { uai, outDir, entId: 'ENT-RHONE', now: NOW, onProgress: (p) => progress.push(p.stage) });

    const prefix = 'ENT-RHONE_GAR-ENT_Complet_20261123_203005_2D';
    expect(result.degree).toBe('2D');
    expect(result.files).toEqual([
      ...['Etab', 'Eleve', 'Enseignant', 'Groupe'].map((kind) => path.join(outDir, `${prefix}_${kind}_0000.xml`)),
      path.join(outDir, `${prefix}.tar.gz`), path.join(outDir, `${prefix}.md5`),
    ]);
    expect(progress.at(-1)).toBe('packing 4 files');
    const entries = await readExport(result.files, '2D');

    expect(rows(entries.get('GAREtab'), 'GARStructureUAI', 'GARStructureNomCourant')).toEqual([[uai, 'Collège Jean Moulin']]);
    expect(rows(entries.get('GARMatiere'), 'GARMatiereCode', 'GARMatiereLibelle')).toEqual([['020700', 'FRANCAIS'], ['030201', 'ANGLAIS LV1']]);
    // The MEF 5B follows, with its label: the GAR assigns resources by MEF.
    expect(rows(entries.get('GARMEF'), 'GARStructureUAI', 'GARMEFCode', 'GARMEFLibelle')).toEqual([[uai, '10110001110', '5EME']]);
    // The deleted pupil and the guardian are not there.
    expect(rows(entries.get('GAREleve'), 'GARPersonIdentifiant', 'GARPersonNom', 'GARPersonPrenom', 'GARPersonDateNaissance', 'GARPersonEtab')).toEqual(sorted([
      [lea.id, 'Martin', 'Léa', '2014-02-03', uai], [noe.id, "L'Hôte <dit Noé>", 'Noé', noe.birthDate, uai], [sam.id, 'Benali', 'Sam', sam.birthDate, uai],
    ] as string[][]));
    expect((entries.get('GAREleve') ?? []).map((e) => text(e.children.find((c) => c.name === 'men:GARPersonProfils')!, 'GARPersonProfil'))).toEqual(['National_elv', 'National_elv', 'National_elv']);
    expect(rows(entries.get('GAREnseignant'), 'GARPersonIdentifiant', 'GARPersonNom', 'GARPersonMail', 'GARPersonDateNaissance')).toEqual(sorted([
      [durand.id, 'Durand', 'anne.durand@ac-lyon.fr', '1980-05-06'], [petit.id, 'Petit', undefined, undefined], [cpe.id, 'Roux', undefined, undefined],
    ] as (string | undefined)[][]));
    const profiles = Object.fromEntries((entries.get('GAREnseignant') ?? []).map((e) => [text(e, 'GARPersonIdentifiant'), text(e.children.find((c) => c.name === 'men:GARPersonProfils')!, 'GARPersonProfil')]));
    // The CPE's function makes it vie scolaire staff.
    expect(profiles).toEqual({ [durand.id as string]: 'National_ens', [petit.id as string]: 'National_ens', [cpe.id as string]: 'National_evs' });
    expect(rows(entries.get('GARGroupe'), 'GARGroupeCode', 'GARGroupeLibelle', 'GARGroupeStatut', 'GARStructureUAI')).toEqual([
      ['5B', '5B', 'DIVISION', uai], ['6A', '6e A', 'DIVISION', uai], ['ANG-LV1', 'Anglais LV1 & co', 'GROUPE', uai],
    ]);
    expect(entries.get('GARGroupe')!.map((e) => [text(e, 'GARGroupeCode'), childTexts(e, 'GARGroupeDivAppartenance')]).sort())
      .toEqual([['5B', []], ['6A', []], ['ANG-LV1', ['5B', '6A']]]);
    // Sam left English in October: only current memberships are exported.
    const codeOf = new Map([[sixA.id, '6A'], [fiveB.id, '5B'], [english.id, 'ANG-LV1']]);
    expect(rows(entries.get('GARPersonGroupe'), 'GARPersonIdentifiant', 'GARGroupeCode', 'GARStructureUAI'))
      .toEqual(sorted(memberships.filter((m) => !m.endDate).map((m) => [m.personId as string, codeOf.get(m.groupId as string)!, uai])));
    expect(rows(entries.get('GARPersonMEF'), 'GARPersonIdentifiant', 'GARMEFCode')).toEqual(sorted([[noe.id, '10110001110'], [sam.id, '10110001110'], [petit.id, '10110001110']] as string[][]));
    // What each teacher teaches in each class and group, by GARMatiere code.
    expect(entries.get('GAREnsClasseMatiere')!.map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARGroupeCode'), childTexts(e, 'GARMatiereCode')]).sort())
      .toEqual(sorted([[durand.id, '6A', ['020700']], [petit.id, '5B', ['020700', '030201']]] as unknown[][]));
    expect(entries.get('GAREnsGroupeMatiere')!.map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARGroupeCode'), childTexts(e, 'GARMatiereCode')]))
      .toEqual([[durand.id, 'ANG-LV1', ['030201']]]);
    expect(result.counts).toEqual({ GAREtab: 1, GARMEF: 1, GARMatiere: 2, GARGroupe: 3, GAREleve: 3, GAREnseignant: 3, GARPersonGroupe: 8, GARPersonMEF: 3, GAREnsClasseMatiere: 2, GAREnsGroupeMatiere: 1 });
    expect(result.problems).toEqual([expect.objectContaining({ entity: 'group', id: sixA.id, field: 'level', code: 'no-mef-code', severity: 'warning' })]);

    const [archive, md5] = result.files.slice(-2);
    expect(fs.readFileSync(md5, 'utf8')).toBe(createHash('md5').update(fs.readFileSync(archive)).digest('hex'));
    const listed: string[] = [];
    await tar.t({ file: archive, onReadEntry: (entry) => void listed.push(entry.path) });
    expect(listed).toEqual(result.files.slice(0, 4).map((f) => path.basename(f)));
  });

  it("writes an école's roster with the first-degree schema", async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, undefined, { type: 'ecole', name: 'École des Tilleuls' }));
    const cm2 = division('CM2', { level: 'CM2', levelSource: '2116' });
    const lina = pupil({ givenName: 'Lina' });
    const garcia = teacher('Garcia', { email: 'garcia@ac-lyon.fr' });
    await applyBatch(store.db, uai, [
      upsert('person', lina), upsert('person', garcia), upsert('group', cm2), upsert('subject', subject('020700', 'FRANCAIS')),
      upsert('membership', membership(lina, cm2)), upsert('membership', membership(garcia, cm2)),
    ] as never);

    const result = await exportGar(store.db, { uai, outDir: tempDir(), now: NOW });
    expect(result.degree).toBe('1D');
    expect(result.files.map((f) => path.basename(f))).toEqual([
      ...['Etab', 'Eleve', 'Enseignant', 'Groupe'].map((kind) => `PASSERELLE_GAR-ENT_Complet_20261123_203005_1D_${kind}_0000.xml`),
      'PASSERELLE_GAR-ENT_Complet_20261123_203005_1D.tar.gz', 'PASSERELLE_GAR-ENT_Complet_20261123_203005_1D.md5',
    ]);
    const entries = await readExport(result.files, '1D');
    expect([...entries.keys()].sort()).toEqual(['GAREleve', 'GAREnseignant', 'GAREtab', 'GARGroupe', 'GARPersonGroupe', 'GARPersonMEFSTAT4']);
    expect(rows(entries.get('GAREleve'), 'GARPersonIdentifiant', 'GARPersonPrenom')).toEqual([[lina.id, 'Lina']]);
    expect(rows(entries.get('GAREnseignant'), 'GARPersonIdentifiant', 'GARPersonMail')).toEqual([[garcia.id, undefined]]);
    expect(rows(entries.get('GARPersonMEFSTAT4'), 'GARPersonIdentifiant', 'GARMEFSTAT4Code')).toEqual(sorted([[lina.id, '2116'], [garcia.id, '2116']] as string[][]));
    expect(rows(entries.get('GARPersonGroupe'), 'GARPersonIdentifiant', 'GARGroupeCode')).toEqual(sorted([[lina.id, 'CM2'], [garcia.id, 'CM2']] as string[][]));
    expect(result.problems).toEqual([]);
  });

  it('reads the roster by keyset pages, active records only, narrowed to kinds', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai));
    const people = [pupil(), pupil(), pupil(), pupil(), pupil(), teacher('Durand'), guardian()];
    await applyBatch(store.db, uai, people.map((p) => upsert('person', p)) as never);
    await applyBatch(store.db, uai, [remove('person', { id: people[1].id })] as never);
    const read = async (kinds?: string[]) => {
      const ids: string[] = [];
      for await (const record of establishmentRoster(store.db, uai, 'person', { pageSize: 2, ...(kinds ? { kinds } : {}) })) ids.push(record.id);
      return ids;
    };
    const active = people.filter((p) => p.id !== people[1].id);
    expect(await read()).toEqual(active.map((p) => p.id as string).sort());
    expect(await read(['pupil', 'teacher'])).toEqual(active.filter((p) => p.kind !== 'guardian').map((p) => p.id as string).sort());
  });

  it('refuses an unknown establishment, and stops when its signal is aborted, leaving no file behind', async () => {
    await expect(exportGar(store.db, { uai: newUai('069'), outDir: tempDir() })).rejects.toBeInstanceOf(UnknownEstablishmentError);
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai));
    await applyBatch(store.db, uai, [upsert('person', pupil())] as never);
    const controller = new AbortController();
    controller.abort();
    const outDir = tempDir();
    await expect(exportGar(store.db, { uai, outDir, signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});

describe('passerelle export gar', () => {
  it('writes the package into the folder and reports it as JSON', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai));
    const lea = pupil();
    await applyBatch(store.db, uai, [upsert('person', lea)] as never);
    const outDir = tempDir();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'export', 'gar', '--uai', uai, '--out', outDir, '--ent-id', 'ENT-RHONE', '--json'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: store.schema, LOG_LEVEL: 'warn' },
      encoding: 'utf8', timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { degree: string; files: string[]; counts: Record<string, number>; problems: unknown[] };
    expect(report).toMatchObject({ degree: '2D', counts: { GAREtab: 1, GAREleve: 1 }, problems: [] });
    expect(report.files.map((f) => path.basename(f)).sort()).toEqual(fs.readdirSync(outDir).sort());
    expect(report.files.every((f) => f.startsWith(path.join(outDir, 'ENT-RHONE_GAR-ENT_Complet_')))).toBe(true);
    const entries = await readExport(report.files, '2D');
    expect(rows(entries.get('GAREleve'), 'GARPersonIdentifiant')).toEqual([[lea.id]]);

    const help = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'export', 'gar', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(help.stdout).toContain('Usage: passerelle export gar');
    expect(help.stdout).toContain('passerelle export gar --uai 0691234S --out ./gar');
  }, 120_000);
});
