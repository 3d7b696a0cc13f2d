import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { stsWeb } from '../../gateway/sync/import-sts.js';
import { ImportRequestError, type ImportProgress, type ImportRequest, type SourceFile } from '../../gateway/sync/importer.js';
import { establishment, newUai, VILLEURBANNE } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('import_sts');
});
afterAll(async () => store.close());

const UAI = '0693412J'; // the collège of the fixtures
const fixture = (relative: string, name = relative.split('/').at(-1)!): SourceFile => {
  const url = new URL(`../fixtures/sts-web/${relative}`, import.meta.url);
  return { name, open: () => fs.createReadStream(url) };
};
const EXPORT = fixture('sts_emp_0693412J_2026.xml');
// The same export once Camille Roussel (10006), who taught 4A and the group 3ESP2, has left.
const AFTER_DEPARTURE = fixture('depart/sts_emp_0693412J_2026.xml');

const request = (files: SourceFile[], overrides: Partial<ImportRequest> = {}): ImportRequest =>
  ({ files, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }], ...overrides });

const inline = (name: string, xml: string): SourceFile => ({ name, open: async function* () { yield Buffer.from(xml, 'latin1'); } });

async function recordsOf(uai: string) {
  const rows = await store.db.selectFrom('roster_record').select(['id', 'entity', 'kind', 'status', 'source_ids', 'data']).where('uai', '=', uai).execute();
  return rows.map((r) => ({ ...r, sourceId: (r.source_ids as Record<string, string>)['sts-web'] }));
}

/** Each record's entity, status and STS-Web id, in a stable order. */
async function stored(uai: string): Promise<{ entity: string; status: string; id: string }[]> {
  return (await recordsOf(uai)).map((r) => ({ entity: r.entity, status: r.status, id: r.sourceId })).sort((a, b) => `${a.entity} ${a.id}`.localeCompare(`${b.entity} ${b.id}`));
}

describe('an STS-Web import', () => {
  beforeAll(async () => {
    await putEstablishment(store.db, establishment(UAI, VILLEURBANNE));
  });

  it('puts subjects, teachers, staff, classes, groups and teacher memberships in the establishment the export names', async () => {
    const outcome = await stsWeb(store.db, request([EXPORT]));
    // 6 subjects, 6 people, 4 classes, 2 groups, 9 memberships; 4 elements refused by the connector.
    const counts = { created: 27, updated: 0, unchanged: 0, deleted: 0, rejected: 4 };
    expect(outcome.counts).toEqual(counts);
    expect(outcome.establishments).toEqual([{ uai: UAI, state: 'completed', counts }]);
    expect(outcome.problems).toHaveLength(10);
    expect(outcome.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line} ${p.field}`)).toEqual([
      'sts_emp_0693412J_2026.xml:165 PRENOM', 'sts_emp_0693412J_2026.xml:229 ENSEIGNANT', 'sts_emp_0693412J_2026.xml:265 CODE', 'sts_emp_0693412J_2026.xml:299 CODE',
    ]);

    const records = await recordsOf(UAI);
    const find = (entity: string, id: string) => records.find((r) => r.entity === entity && r.sourceId === id)!;
    expect(find('person', '10002')).toMatchObject({ kind: 'teacher', data: { kind: 'teacher', familyName: 'LECŒUR', givenName: 'Benoît', birthDate: '1983-11-02' } });
    const [membership, person, group] = [find('membership', '10006@3ESP2'), find('person', '10006'), find('group', '3ESP2')];
    // The subjects the teacher's services in the group name, as the stored subjects' ids.
    expect(membership.data).toEqual({ role: 'teacher', personId: person.id, groupId: group.id, subjectIds: [find('subject', '030602').id] });
  });

  it('changes nothing when the same export comes again, telling how many records it read', async () => {
    const before = await stored(UAI);
    const progress: ImportProgress[] = [];
    const outcome = await stsWeb(store.db, request([EXPORT], { onProgress: (p) => progress.push(p) }));
    expect(progress).toEqual([{ stage: 'reading sts_emp_0693412J_2026.xml', done: 27 }]);
    expect(outcome.counts).toEqual({ created: 0, updated: 0, unchanged: 27, deleted: 0, rejected: 4 });
    expect(await stored(UAI)).toEqual(before);
  });

  it('applies a delta without deleting what it does not carry', async () => {
    const outcome = await stsWeb(store.db, request([AFTER_DEPARTURE], { mode: 'delta' }));
    expect(outcome.counts).toEqual({ created: 0, updated: 0, unchanged: 24, deleted: 0, rejected: 4 });
    expect((await stored(UAI)).filter((r) => r.status === 'deleted')).toEqual([]);
  });

  it('tombstones exactly the teacher a complete export no longer lists, with her memberships', async () => {
    const outcome = await stsWeb(store.db, request([AFTER_DEPARTURE]));
    expect(outcome.counts).toEqual({ created: 0, updated: 0, unchanged: 24, deleted: 3, rejected: 4 });
    expect((await stored(UAI)).filter((r) => r.status === 'deleted')).toEqual([
      { entity: 'membership', status: 'deleted', id: '10006@3ESP2' },
      { entity: 'membership', status: 'deleted', id: '10006@4A' },
      { entity: 'person', status: 'deleted', id: '10006' },
    ]);
    expect((await stored(UAI)).filter((r) => r.status === 'active')).toHaveLength(24);
  });

  it('keeps a stored teacher whose entry the export now gets wrong, rather than taking her for one who left', async () => {
    const xml = fs.readFileSync(new URL('../fixtures/sts-web/depart/sts_emp_0693412J_2026.xml', import.meta.url)).toString('latin1')
      .replace(/(<INDIVIDU ID="10001" TYPE="epp">[\s\S]*?<PRENOM>)[^<]*(<\/PRENOM>)/, '$1$2');
    const outcome = await stsWeb(store.db, request([inline('sts_emp_0693412J_2026.xml', xml)]));
    expect(outcome.problems).toContainEqual(expect.objectContaining({ field: 'PRENOM', severity: 'error', detail: 'INDIVIDU 10001 has no PRENOM; expected a given name' }));
    // The person stays, and so do her two memberships: the export names her services, which cannot be read without her.
    const hers = (await stored(UAI)).filter((r) => r.id === '10001' || r.id.startsWith('10001@'));
    expect(hers.map((r) => [r.entity, r.status])).toEqual([['membership', 'active'], ['membership', 'active'], ['person', 'active']]);
    expect(outcome.counts.deleted).toBe(0);
  });
});

describe('the establishment of an STS-Web import', () => {
  const bare = (uaj: string) => `<?xml version="1.0" encoding="ISO-8859-1"?>\n<STS_EDT>${uaj ? `<PARAMETRES><UAJ CODE="${uaj}"/></PARAMETRES>` : ''}<NOMENCLATURES><MATIERES><MATIERE CODE="020100"><LIBELLE_EDITION>Français</LIBELLE_EDITION></MATIERE></MATIERES></NOMENCLATURES></STS_EDT>\n`;

  it('is the one the request, the export and its name agree on; the name alone will do', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, VILLEURBANNE));
    const outcome = await stsWeb(store.db, request([inline(`sts_emp_${uai}_2026.xml`, bare(''))], { uai }));
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai, state: 'completed', counts: expect.objectContaining({ created: 1 }) })]);
    expect((await stsWeb(store.db, request([inline('export.xml', bare(uai))]))).establishments).toEqual([expect.objectContaining({ uai, state: 'completed' })]);
  });

  it('is a request error when they disagree, or when none says it', async () => {
    const other = newUai('069');
    await expect(stsWeb(store.db, request([EXPORT], { uai: other }))).rejects.toThrow(new ImportRequestError(
      `sts_emp_0693412J_2026.xml: the request (uai) names establishment ${other} but the export (PARAMETRES/UAJ CODE, line 4) names 0693412J; expected one establishment`,
    ));
    await expect(stsWeb(store.db, request([inline(`sts_emp_${other}_2026.xml`, bare(UAI))]))).rejects.toThrow(new ImportRequestError(
      `sts_emp_${other}_2026.xml: the export (PARAMETRES/UAJ CODE, line 2) names establishment 0693412J but the file name names ${other}; expected one establishment`,
    ));
    await expect(stsWeb(store.db, request([inline('export.xml', bare(''))]))).rejects.toThrow(new ImportRequestError(
      'export.xml names no establishment (no PARAMETRES/UAJ CODE, and the name is not sts_emp_<UAI>_<year>.xml): give its UAI (uai)',
    ));
    await expect(stsWeb(store.db, request([inline('export.xml', '<STS_EDT><PARAMETRES>')]))).rejects.toThrow(/^export\.xml:1: the XML is not well-formed.*; the establishment cannot be told: give its UAI \(uai\)$/);
  });

  const described = (uai: string) => `<?xml version="1.0" encoding="ISO-8859-1"?>\n<STS_EDT><PARAMETRES><UAJ CODE="${uai}"><ACADEMIE><CODE>10</CODE><LIBELLE>LYON</LIBELLE></ACADEMIE>`
    + '<SIGLE>CLG</SIGLE><DENOM_PRINC>COLLEGE</DENOM_PRINC><DENOM_COMPL>LES SAULES</DENOM_COMPL><CODE_NATURE>340</CODE_NATURE>'
    + '<ADRESSE>12 RUE DES PEUPLIERS</ADRESSE><COMMUNE>VILLEURBANNE</COMMUNE><CODE_POSTAL>69100</CODE_POSTAL></UAJ></PARAMETRES>'
    + '<NOMENCLATURES><MATIERES><MATIERE CODE="020100"><LIBELLE_EDITION>Français</LIBELLE_EDITION></MATIERE></MATIERES></NOMENCLATURES></STS_EDT>\n';
  const stored = async (uai: string) => store.db.selectFrom('establishment').select(['data', 'source_ids']).where('uai', '=', uai).executeTakeFirst();

  it('creates an establishment the store does not know from its UAJ: name, type, address, territory and commune', async () => {
    const uai = newUai('069');
    const outcome = await stsWeb(store.db, request([inline(`sts_emp_${uai}_2026.xml`, described(uai))]));
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai, state: 'completed' })]);
    expect((await stored(uai))?.data).toEqual({
      name: 'COLLEGE LES SAULES', type: 'college', sector: 'public', address: { street: '12 RUE DES PEUPLIERS', postalCode: '69100', town: 'VILLEURBANNE' },
      departementCode: '069', academieCode: '10', regionCode: '84', holidayZone: 'A', communeCode: '69266', communeName: 'Villeurbanne', timeZone: 'Europe/Paris',
    });
    expect(outcome.problems).toEqual([expect.objectContaining({ code: 'establishment-incomplete', severity: 'warning', detail: expect.stringContaining('sector taken as public') })]);
  });

  it('completes an establishment the national directory described without changing what it set', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, VILLEURBANNE, { name: 'Collège Les Saules', type: 'college', sector: 'private', sourceIds: { annuaire: uai } }));
    await stsWeb(store.db, request([inline(`sts_emp_${uai}_2026.xml`, described(uai))]));
    const after = await stored(uai);
    expect(after?.data).toEqual({
      name: 'Collège Les Saules', type: 'college', sector: 'private', ...VILLEURBANNE, holidayZone: 'A', timeZone: 'Europe/Paris',
      address: { street: '12 RUE DES PEUPLIERS', postalCode: '69100', town: 'VILLEURBANNE' },
    });
    expect(after?.source_ids).toEqual({ annuaire: uai, 'sts-web': uai });
  });

  it('is a request error for an establishment outside the submitter\'s perimeter, the same whether it exists or not', async () => {
    const [known, unknown] = [newUai('069'), newUai('069')];
    await putEstablishment(store.db, establishment(known, VILLEURBANNE));
    const elsewhere = [{ kind: 'departement' as const, code: '001' }];
    for (const uai of [known, unknown]) {
      await expect(stsWeb(store.db, request([inline(`sts_emp_${uai}_2026.xml`, described(uai))], { perimeter: elsewhere }))).rejects.toThrow(
        new ImportRequestError(`sts_emp_${uai}_2026.xml: establishment ${uai} is outside what this import may write; its records are left out`),
      );
    }
    expect(await stored(unknown)).toBeUndefined();
    await expect(stsWeb(store.db, request([EXPORT, AFTER_DEPARTURE]))).rejects.toBeInstanceOf(ImportRequestError);
  });
});

describe('an STS-Web import that cannot finish', () => {
  it('writes nothing from a truncated export and reports where it stops', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, VILLEURBANNE));
    const text = fs.readFileSync(new URL('../fixtures/sts-web/sts_emp_0693412J_2026.xml', import.meta.url), 'latin1').replace(/0693412J/g, uai);
    const truncated = inline(`sts_emp_${uai}_2026.xml`, text.slice(0, text.indexOf('<GROUPES>')));
    const outcome = await stsWeb(store.db, request([truncated]));
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai, state: 'failed' })]);
    expect(outcome.problems.at(-1)).toMatchObject({ file: `sts_emp_${uai}_2026.xml`, line: 269, code: 'malformed-xml', severity: 'error' });
    expect(await stored(uai)).toEqual([]);
  });

  it('stops when cancelled while reading, before writing', async () => {
    const cancel = new AbortController();
    let opened = 0;
    const bytes = fs.readFileSync(new URL('../fixtures/sts-web/sts_emp_0693412J_2026.xml', import.meta.url));
    const cancelledOnRead: SourceFile = {
      name: 'sts_emp_0693412J_2026.xml',
      open: async function* () {
        opened += 1;
        for (let i = 0; i < bytes.length; i += 1024) {
          // The first opening only looks for the establishment; the job is cancelled as the import reads.
          if (opened === 2 && i === 1024) cancel.abort();
          yield bytes.subarray(i, i + 1024);
        }
      },
    };
    const before = await stored(UAI);
    await expect(stsWeb(store.db, request([cancelledOnRead], { signal: cancel.signal }))).rejects.toThrow(/abort/i);
    expect(await stored(UAI)).toEqual(before);
  });
});
