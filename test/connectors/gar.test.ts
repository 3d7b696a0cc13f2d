import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { packGar } from '../../connectors/gar/pack.js';
import { garProfile } from '../../connectors/gar/profiles.js';
import type { GarEstablishment, GarGroup, GarMembership, GarPerson, GarSource, GarSubject } from '../../connectors/gar/records.js';
import { MAX_NODES, type GarSink } from '../../connectors/gar/series.js';
import { writeGar } from '../../connectors/gar/write.js';
import type { XmlElement } from '../../connectors/kit/xml.js';
import { checkGarDocument, childTexts, readXmlRoot, type Degree } from '../support/gar-structure.js';

// 20:30 in Paris on 23 November 2026.
const NOW = new Date('2026-11-23T19:30:05Z');

interface Roster {
  establishment: GarEstablishment;
  people?: GarPerson[];
  groups?: GarGroup[];
  memberships?: GarMembership[];
  subjects?: GarSubject[];
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

function sourceOf(roster: Roster): GarSource {
  return {
    establishment: roster.establishment,
    people: (kinds) => each((roster.people ?? []).filter((p) => kinds.includes(p.kind))),
    groups: () => each(roster.groups ?? []),
    memberships: () => each(roster.memberships ?? []),
    subjects: () => each(roster.subjects ?? []),
  };
}

/** Writes the roster's files in memory and parses each back, checking it against the schema's structure. */
async function exportRoster(roster: Roster, degree: Degree) {
  const texts = new Map<string, string>();
  const sink: GarSink = (name) => {
    const parts: string[] = [];
    return { write: async (chunk) => void parts.push(chunk), end: async () => void texts.set(name, parts.join('')) };
  };
  const result = await writeGar(sourceOf(roster), sink, { entId: 'ENT-TEST', now: NOW });
  expect([...texts.keys()].sort()).toEqual([...result.files].sort());
  const roots = new Map<string, XmlElement>();
  for (const [name, text] of texts) {
    const root = await readXmlRoot(text, name);
    expect(checkGarDocument(root, degree), name).toEqual([]);
    roots.set(name, root);
  }
  return { ...result, texts, roots };
}

const entries = (root: XmlElement, name: string): XmlElement[] => root.children.filter((c) => c.name === `men:${name}`);
const text = (element: XmlElement, name: string): string | undefined => childTexts(element, name)[0];
const countNodes = (element: XmlElement): number => 1 + element.children.reduce((sum, child) => sum + countNodes(child), 0);

const person = (kind: GarPerson['kind'], overrides: Partial<GarPerson> = {}): GarPerson => ({ id: randomUUID(), kind, familyName: 'Martin', givenName: 'Léa', ...overrides });
const group = (kind: GarGroup['kind'], code: string, overrides: Partial<GarGroup> = {}): GarGroup => ({ id: randomUUID(), kind, code, name: code, ...overrides });
const member = (p: GarPerson, g: GarGroup, overrides: Partial<GarMembership> = {}): GarMembership =>
  ({ id: randomUUID(), personId: p.id, groupId: g.id, role: p.kind === 'pupil' ? 'pupil' : 'teacher', ...overrides });

describe('GAR profiles', () => {
  it('come from the kind of person, and for staff from the AAF function', () => {
    expect(garProfile({ kind: 'pupil' })).toBe('National_elv');
    expect(garProfile({ kind: 'teacher' })).toBe('National_ens');
    expect(garProfile({ kind: 'teacher', functionCode: 'DOC' })).toBe('National_doc');
    expect(garProfile({ kind: 'staff', functionCode: 'DIR' })).toBe('National_dir');
    expect(garProfile({ kind: 'staff', functionCode: 'cpe' })).toBe('National_evs');
    expect(garProfile({ kind: 'staff', functionCode: 'COL' })).toBe('National_col');
    expect(garProfile({ kind: 'staff', functionCode: 'ADM' })).toBe('National_eta');
    expect(garProfile({ kind: 'staff' })).toBe('National_eta');
    expect(garProfile({ kind: 'guardian' })).toBeUndefined();
  });
});

describe('the GAR-ENT writer', () => {
  const uai = '0691234S';

  it("writes a collège's four complete files (v1.7) in schema order, with profiles, MEFs and memberships", async () => {
    const sixA = group('division', '6A', { name: '6e A', level: '6E', mef: { code: '10010012110', label: '6EME' } });
    const sixB = group('division', '6B', { level: '6E' });
    const fiveA = group('division', '5A', { level: '5E', mef: { code: '2116' } });
    const latin = group('group', 'LATIN', { name: 'Latin & grec <option>' });
    const lea = person('pupil', { familyName: 'Martin', givenName: 'Léa', birthDate: '2014-02-03' });
    const noe = person('pupil', { familyName: 'Dupont "dit Noé"', givenName: 'Noé' });
    const prof = person('teacher', { familyName: 'Durand', givenName: 'Anne', email: 'anne.durand@ac-lyon.fr' });
    const doc = person('teacher', { familyName: 'Petit', givenName: 'Luc', functionCode: 'DOC' });
    const principal = person('staff', { familyName: 'Roux', givenName: 'Marc', functionCode: 'DIR' });
    const secretary = person('staff', { familyName: 'Blanc', givenName: 'Inès' });
    const nameless = person('pupil', { familyName: undefined });
    const result = await exportRoster({
      establishment: { uai, name: 'Collège Jean Moulin', type: 'college', sector: 'public' },
      subjects: [{ id: randomUUID(), code: '020700', name: 'FRANCAIS' }, { id: randomUUID(), code: '061300', name: 'MATHEMATIQUES' }],
      groups: [sixA, sixB, fiveA, latin],
      people: [lea, noe, prof, doc, principal, secretary, nameless],
      memberships: [
        member(lea, sixA), member(lea, latin), member(lea, sixA, { startDate: '2026-09-01' } as Partial<GarMembership>),
        member(noe, sixB), member(noe, latin, { endDate: '2026-10-17' }),
        member(prof, sixA), member(prof, latin), member(nameless, sixA),
      ],
    }, '2D');

    const prefix = 'ENT-TEST_GAR-ENT_Complet_20261123_203005_2D';
    expect(result.packageName).toBe(prefix);
    expect(result.files).toEqual(['Etab', 'Eleve', 'Enseignant', 'Groupe'].map((kind) => `${prefix}_${kind}_0000.xml`));
    const [etab, eleve, enseignant, groupe] = result.files.map((name) => result.roots.get(name)!);
    expect(etab.name).toBe('men:GAR-ENT-Etab');
    expect(etab.attributes['xmlns:men']).toBe('http://data.education.fr/ns/gar');
    expect(etab.attributes.Version).toBe('1.0');

    expect(entries(etab, 'GAREtab').map((e) => [text(e, 'GARStructureUAI'), text(e, 'GARStructureNomCourant'), text(e, 'GARStructureContrat')])).toEqual([[uai, 'Collège Jean Moulin', 'PU']]);
    // The MEFs its classes follow, once each, between GAREtab and GARMatiere (the structure check holds the order).
    expect(entries(etab, 'GARMEF').map((e) => [text(e, 'GARStructureUAI'), text(e, 'GARMEFCode'), text(e, 'GARMEFLibelle')])).toEqual([[uai, '10010012110', '6EME']]);
    expect(entries(etab, 'GARMatiere').map((e) => [text(e, 'GARMatiereCode'), text(e, 'GARMatiereLibelle')])).toEqual([['020700', 'FRANCAIS'], ['061300', 'MATHEMATIQUES']]);

    const pupils = entries(eleve, 'GAREleve');
    expect(pupils.map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARPersonNom'), text(e, 'GARPersonPrenom'), text(e, 'GARPersonAutresPrenoms'), text(e, 'GARPersonEtab'), text(e, 'GARPersonDateNaissance')]))
      .toEqual([[lea.id, 'Martin', 'Léa', 'Léa', uai, '2014-02-03'], [noe.id, 'Dupont "dit Noé"', 'Noé', 'Noé', uai, undefined]]);
    expect(pupils.map((e) => childTexts(entries(e, 'GARPersonProfils')[0], 'GARPersonProfil'))).toEqual([['National_elv'], ['National_elv']]);
    // Only 6A has a MEF code; Léa's two memberships of 6A make one GARPersonMEF.
    expect(entries(eleve, 'GARPersonMEF').map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARMEFCode')])).toEqual([[lea.id, '10010012110']]);

    const staff = entries(enseignant, 'GAREnseignant');
    expect(staff.map((e) => [text(e, 'GARPersonNom'), text(entries(e, 'GARPersonProfils')[0], 'GARPersonProfil'), text(e, 'GARPersonMail')])).toEqual([
      ['Durand', 'National_ens', 'anne.durand@ac-lyon.fr'], ['Petit', 'National_doc', undefined], ['Roux', 'National_dir', undefined], ['Blanc', 'National_eta', undefined],
    ]);
    expect(entries(enseignant, 'GARPersonMEF').map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARMEFCode')])).toEqual([[prof.id, '10010012110']]);

    expect(entries(groupe, 'GARGroupe').map((e) => [text(e, 'GARGroupeCode'), text(e, 'GARGroupeLibelle'), text(e, 'GARGroupeStatut')]))
      .toEqual([['6A', '6e A', 'DIVISION'], ['6B', '6B', 'DIVISION'], ['5A', '5A', 'DIVISION'], ['LATIN', 'Latin & grec <option>', 'GROUPE']]);
    // The classes a teaching group draws from are its current pupils' (Noé's Latin ended; teachers do not count).
    expect(entries(groupe, 'GARGroupe').map((e) => childTexts(e, 'GARGroupeDivAppartenance'))).toEqual([[], [], [], ['6A']]);
    // Noé left Latin in October: an ended membership is not exported.
    expect(entries(groupe, 'GARPersonGroupe').map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARGroupeCode')]))
      .toEqual([[lea.id, '6A'], [lea.id, 'LATIN'], [noe.id, '6B'], [prof.id, '6A'], [prof.id, 'LATIN']]);

    expect(result.counts).toEqual({ GAREtab: 1, GARMEF: 1, GARMatiere: 2, GARGroupe: 4, GAREleve: 2, GAREnseignant: 4, GARPersonGroupe: 5, GARPersonMEF: 2 });
    expect(result.problems).toEqual([
      { entity: 'group', id: sixB.id, field: 'level', code: 'no-mef-code', severity: 'warning', detail: 'class 6B has no MEF and its level "6E" (as any other class at that level) is not a code: GARPersonMEF needs a MEF code of 11 characters, so their members get none' },
      { entity: 'group', id: fiveA.id, field: 'mef', code: 'no-mef-code', severity: 'warning', detail: "MEF 2116 of class 5A is not a code this establishment's files take: GARPersonMEF needs a MEF code of 11 characters, so its members get none" },
      { entity: 'person', id: nameless.id, field: 'familyName', code: 'missing-field', severity: 'error', detail: 'no familyName: GAR-ENT requires GARPersonNom (the family name)' },
    ]);
  });

  it("writes an école's files with the first-degree schema (v1.4): MEFSTAT4 levels, no subjects, no mail", async () => {
    const cm2 = group('division', 'CM2', { level: '2116' });
    const cp = group('division', 'CP', { level: 'CP' });
    const lina = person('pupil', { givenName: 'Lina' });
    const teacher = person('teacher', { familyName: 'Garcia', email: 'garcia@ac-lyon.fr' });
    const result = await exportRoster({
      establishment: { uai, name: 'École des Tilleuls', type: 'ecole', sector: 'private' },
      subjects: [{ id: randomUUID(), code: '020700', name: 'FRANCAIS' }],
      groups: [cm2, cp],
      people: [lina, teacher],
      memberships: [member(lina, cm2), member(teacher, cm2), member(teacher, cp)],
    }, '1D');

    expect(result.degree).toBe('1D');
    expect(result.files).toEqual(['Etab', 'Eleve', 'Enseignant', 'Groupe'].map((kind) => `ENT-TEST_GAR-ENT_Complet_20261123_203005_1D_${kind}_0000.xml`));
    const [etab, eleve, enseignant, groupe] = result.files.map((name) => result.roots.get(name)!);
    expect(etab.attributes['xmlns:men']).toBe('http://data.education.fr/ns/gar/1d');
    expect(etab.children.map((c) => c.name)).toEqual(['men:GAREtab']);
    expect(text(entries(etab, 'GAREtab')[0], 'GARStructureContrat')).toBeUndefined();
    expect(entries(eleve, 'GARPersonMEFSTAT4').map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARMEFSTAT4Code')])).toEqual([[lina.id, '2116']]);
    expect(entries(enseignant, 'GARPersonMEFSTAT4').map((e) => [text(e, 'GARPersonIdentifiant'), text(e, 'GARMEFSTAT4Code')])).toEqual([[teacher.id, '2116']]);
    expect(text(entries(enseignant, 'GAREnseignant')[0], 'GARPersonMail')).toBeUndefined();
    expect(entries(groupe, 'GARPersonGroupe')).toHaveLength(3);
    expect(result.problems.map((p) => [p.code, p.id])).toEqual([['no-mef-code', cp.id]]);
  });

  it('turns what GAR-ENT cannot hold into problems naming the record and field, and writes the rest', async () => {
    const long = group('group', 'G'.repeat(256), { name: 'Long' });
    const twin = group('group', 'LATIN');
    const latin = group('group', 'LATIN');
    const pupil = person('pupil', { birthDate: '02/03/2014' });
    const teacher = person('teacher', { email: `${'a'.repeat(250)}@ac-lyon.fr` });
    const ghost = randomUUID();
    const result = await exportRoster({
      establishment: { uai, name: undefined, type: 'lycee' },
      subjects: [{ id: 'S1', code: 'X', name: 'Un' }, { id: 'S2', code: 'X', name: 'Deux' }, { id: 'S3', code: 'Y' }],
      groups: [latin, twin, long],
      people: [pupil, teacher],
      memberships: [member(pupil, latin), member(pupil, long), { id: 'M-ghost', personId: ghost, groupId: latin.id, role: 'pupil' }, { id: 'M-nowhere', personId: pupil.id, groupId: ghost, role: 'pupil' }],
    }, '2D');

    // Classes and groups are read first: the Etab file lists the MEFs of the classes.
    expect(result.problems).toEqual([
      { entity: 'group', id: twin.id, field: 'code', code: 'duplicate-key', severity: 'error', detail: `another class or group of ${uai} has code LATIN; GARGroupe is unique by code and UAI` },
      { entity: 'group', id: long.id, field: 'code', code: 'too-long', severity: 'error', detail: 'code has 256 characters; GARGroupeCode takes at most 255' },
      { entity: 'establishment', id: uai, field: 'name', code: 'missing-field', severity: 'error', detail: 'no name: GAR-ENT requires GARStructureNomCourant (the current name)' },
      { entity: 'subject', id: 'S2', field: 'code', code: 'duplicate-key', severity: 'error', detail: `another subject of ${uai} has code X; GARMatiere is unique by UAI and code` },
      { entity: 'subject', id: 'S3', field: 'name', code: 'missing-field', severity: 'error', detail: 'no name: GAR-ENT requires GARMatiereLibelle (the subject name)' },
      { entity: 'person', id: pupil.id, field: 'birthDate', code: 'bad-date', severity: 'warning', detail: 'birthDate "02/03/2014" is not a date as YYYY-MM-DD; GARPersonDateNaissance is left out' },
      { entity: 'person', id: teacher.id, field: 'email', code: 'too-long', severity: 'warning', detail: 'email has 261 characters; GARPersonMail takes at most 255, so it is left out' },
      { entity: 'membership', id: 'M-ghost', field: 'personId', code: 'unknown-link', severity: 'error', detail: `the membership names person ${ghost}, who is none of the pupils, teachers and staff of ${uai}; left out` },
      { entity: 'membership', id: 'M-nowhere', field: 'groupId', code: 'unknown-link', severity: 'error', detail: `the membership names class or group ${ghost}, which is not of ${uai}; left out` },
    ]);
    expect(result.counts).toEqual({ GARMatiere: 1, GARGroupe: 1, GAREleve: 1, GAREnseignant: 1, GARPersonGroupe: 1 });
  });

  it('splits a kind into numbered files of at most 10,000 nodes, each a whole valid document', async () => {
    const pupils = Array.from({ length: 2000 }, (_, i) => person('pupil', { familyName: `Élève ${i}`, birthDate: '2010-01-01' }));
    const result = await exportRoster({ establishment: { uai, name: 'Lycée du Parc', type: 'lycee' }, people: pupils }, '2D');
    const eleve = result.files.filter((name) => name.includes('_Eleve_'));
    // A GAREleve here is 11 nodes: 2,000 of them and a root each take three files.
    expect(eleve.map((name) => name.slice(-8))).toEqual(['0000.xml', '0001.xml', '0002.xml']);
    const roots = eleve.map((name) => result.roots.get(name)!);
    for (const root of roots) expect(countNodes(root)).toBeLessThanOrEqual(MAX_NODES);
    expect(countNodes(roots[0])).toBeGreaterThan(MAX_NODES - 11);
    expect(roots.flatMap((root) => entries(root, 'GAREleve').map((e) => text(e, 'GARPersonIdentifiant')))).toEqual(pupils.map((p) => p.id));
  });

  it('streams: a full file is ended before the source has handed out its last pupil', async () => {
    const events: string[] = [];
    const pupils = Array.from({ length: 2000 }, () => person('pupil'));
    const source = sourceOf({ establishment: { uai, name: 'Lycée du Parc', type: 'lycee' } });
    source.people = async function* () {
      for (const [i, p] of pupils.entries()) {
        if (i === pupils.length - 1) events.push('last pupil');
        yield p;
      }
    };
    await writeGar(source, (name) => ({ write: async () => undefined, end: async () => void events.push(`end ${name.split('_').slice(-2).join('_')}`) }), { entId: 'ENT-TEST', now: NOW });
    expect(events).toEqual(['end Eleve_0000.xml', 'end Eleve_0001.xml', 'last pupil', 'end Etab_0000.xml', 'end Eleve_0002.xml', 'end Enseignant_0000.xml', 'end Groupe_0000.xml']);
  });
});

describe('the GAR-ENT structure check of these tests', () => {
  it('catches order, occurrence, length, value and key violations', async () => {
    const root = await readXmlRoot(`<men:GAR-ENT-Groupe xmlns:men="http://data.education.fr/ns/gar" Version="1.0">
      <men:GARPersonGroupe><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARPersonIdentifiant>p1</men:GARPersonIdentifiant><men:GARGroupeCode>6A</men:GARGroupeCode></men:GARPersonGroupe>
      <men:GARGroupe><men:GARGroupeCode>6A</men:GARGroupeCode><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARGroupeLibelle>${'x'.repeat(256)}</men:GARGroupeLibelle><men:GARGroupeStatut>CLASSE</men:GARGroupeStatut></men:GARGroupe>
      <men:GARPersonGroupe><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARPersonIdentifiant>p1</men:GARPersonIdentifiant><men:GARGroupeCode>6A</men:GARGroupeCode></men:GARPersonGroupe>
      <men:GARPersonGroupe><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARGroupeCode>6B</men:GARGroupeCode></men:GARPersonGroupe>
    </men:GAR-ENT-Groupe>`, 'bad.xml');
    expect(checkGarDocument(root, '2D')).toEqual([
      'GAR-ENT-Groupe: men:GARGroupe (line 3) is out of order or not allowed here',
      'GAR-ENT-Groupe: key of GARPersonGroupe (GARStructureUAI, GARPersonIdentifiant, GARGroupeCode) repeats: 0691234S | p1 | 6A',
    ]);
    const group = await readXmlRoot(`<men:GAR-ENT-Groupe xmlns:men="http://data.education.fr/ns/gar/1d">
      <men:GARGroupe><men:GARGroupeCode>6A</men:GARGroupeCode><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARGroupeLibelle>${'x'.repeat(256)}</men:GARGroupeLibelle><men:GARGroupeStatut>CLASSE</men:GARGroupeStatut></men:GARGroupe>
      <men:GARPersonGroupe><men:GARStructureUAI>0691234S</men:GARStructureUAI><men:GARGroupeCode>6B</men:GARGroupeCode></men:GARPersonGroupe>
    </men:GAR-ENT-Groupe>`, 'bad-1d.xml');
    expect(checkGarDocument(group, '1D')).toEqual([
      'GAR-ENT-Groupe: the required attribute Version is missing',
      'GAR-ENT-Groupe/GARGroupe[0]/GARGroupeLibelle[0]: 256 characters, maxLength 255',
      'GAR-ENT-Groupe/GARGroupe[0]/GARGroupeStatut[0]: "CLASSE" is none of DIVISION, GROUPE',
      'GAR-ENT-Groupe/GARPersonGroupe[0]: GARPersonIdentifiant occurs 0 times, at least 1 required here',
    ]);
    expect(checkGarDocument(group, '2D')).toEqual(['men:GAR-ENT-Groupe: no xmlns:<prefix> declares http://data.education.fr/ns/gar']);
  });
});

describe('GAR packing', () => {
  it('packs the files into a tar.gz named after them, with its MD5 alone in the .md5', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gar-pack-'));
    try {
      const files = ['P_GAR-ENT_Complet_20261123_203005_2D_Etab_0000.xml', 'P_GAR-ENT_Complet_20261123_203005_2D_Eleve_0000.xml'];
      files.forEach((name, i) => fs.writeFileSync(path.join(dir, name), `<x>${i} é</x>\n`));
      const pkg = await packGar(dir, files, 'P_GAR-ENT_Complet_20261123_203005_2D');
      expect(pkg).toMatchObject({ archive: 'P_GAR-ENT_Complet_20261123_203005_2D.tar.gz', checksum: 'P_GAR-ENT_Complet_20261123_203005_2D.md5' });

      const archive = fs.readFileSync(path.join(dir, pkg.archive));
      expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const md5 = fs.readFileSync(path.join(dir, pkg.checksum), 'utf8');
      expect(md5).toMatch(/^[0-9a-f]{32}$/);
      expect(md5).toBe(createHash('md5').update(archive).digest('hex'));

      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gar-unpack-'));
      await tar.x({ file: path.join(dir, pkg.archive), cwd: out });
      expect(fs.readdirSync(out).sort()).toEqual([...files].sort());
      for (const name of files) expect(fs.readFileSync(path.join(out, name))).toEqual(fs.readFileSync(path.join(dir, name)));
      fs.rmSync(out, { recursive: true });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
