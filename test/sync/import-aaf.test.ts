import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import iconv from 'iconv-lite';
import { ineWithKey } from '../../gateway/model/identifiers.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importAaf } from '../../gateway/sync/import-aaf.js';
import type { ImportRequest, SourceFile } from '../../gateway/sync/importer.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('import_aaf');
});
afterAll(async () => store.close());

const attr = (name: string, ...values: string[]) => `<attr name="${name}">${values.map((v) => `<value>${v}</value>`).join('')}</attr>`;
const operational = (kindAttr: string, category: string) => `<operationalAttributes>${attr(kindAttr, category)}</operationalAttributes>`;
const request = (category: string, kindAttr: string, id: string, attrs: string[]) => `
  <addRequest>
    ${operational(kindAttr, category)}
    <identifier><id>${id}</id></identifier>
    <attributes>${attrs.join('')}</attributes>
  </addRequest>`;
const modify = (category: string, id: string, changes: [string, ...string[]][]) => `
  <modifyRequest>
    ${operational('categoriePersonne', category)}
    <identifier><id>${id}</id></identifier>
    <modifications>${changes.map(([name, ...values]) => `<modification name="${name}" operation="replace">${values.map((v) => `<value>${v}</value>`).join('') || '<value/>'}</modification>`).join('')}</modifications>
  </modifyRequest>`;
const remove = (category: string, id: string) => `
  <deleteRequest>
    ${operational('categoriePersonne', category)}
    <identifier><id>${id}</id></identifier>
  </deleteRequest>`;
const file = (name: string, requests: string[], encoding = 'ISO-8859-15'): SourceFile => {
  const bytes = iconv.encode(`<?xml version="1.0" encoding="${encoding}"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n<!-- versionAF="AAF-VE1301" -->\n<ficAlimMENESR>${requests.join('')}\n</ficAlimMENESR>\n`, encoding);
  return { name, size: bytes.length, open: async function* () { yield bytes; } };
};
const run = (files: SourceFile[], options: Partial<ImportRequest> = {}) =>
  importAaf(store.db, { files, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }], ...options });

const etab = (jointure: string, uai: string, name = 'COLLEGE$JEAN$MOULIN') =>
  request('EtabEducNat', 'categorieStructure', jointure, [attr('ENTStructureJointure', jointure), attr('ENTStructureUAI', uai), attr('ENTStructureNomCourant', name)]);

const college = newUai('069');
const ines = [1, 2, 3, 4].map((i) => ineWithKey(`101800000${i}`));
// `n` keeps each test's AAF ids apart: AAF ids are académie-wide, and a delta applies them in every establishment.
const pupil = (i: number, structure = '52000', n = '0') => request('Eleve', 'categoriePersonne', `2${n}0000${i}`, [
  attr('ENTPersonJointure', `2${n}0000${i}`), attr('ENTEleveINE', ines[i - 1]), attr('sn', `LEFÈVRE${i}`), attr('givenName', 'Chloé'),
  attr('ENTPersonDateNaissance', '14/03/2013'), attr('ENTPersonStructRattach', structure), attr('ENTEleveClasses', `${structure}$5B`),
  attr('ENTElevePersRelEleve', `3${n}0000${i}$10$1$1$1$1`, `3${n}00009$20$0$0$0$0`),
]);
const guardian = (i: number, n = '0') => request('PersRelEleve', 'categoriePersonne', `3${n}0000${i}`, [attr('sn', `LEFÈVRE${i}`), attr('givenName', 'Anne'), attr('mail', `parent${i}@example.org`)]);
function delivery(pupils: number[], uai = college, n = '0'): SourceFile[] {
  return [
    file('ENT_Complet_20261123_EtabEducNat_0000.xml', [etab('52000', uai)]),
    file('ENT_Complet_20261123_Eleve_0000.xml', pupils.map((i) => pupil(i, '52000', n))),
    file('ENT_Complet_20261123_PersRelEleve_0000.xml', [
      ...pupils.map((i) => guardian(i, n)),
      request('PersRelEleve', 'categoriePersonne', `3${n}00009`, [attr('sn', 'ŒUVRAY'), attr('givenName', 'Marc')]),
    ]),
    file('ENT_Complet_20261123_PersEducNat_0000.xml', [request('PersEducNat', 'categoriePersonne', `4${n}00001`, [
      attr('sn', 'ROUX'), attr('givenName', 'Paul'), attr('ENTPersonStructRattach', '52000'),
      attr('ENTPersonFonctions', '52000$ENS$ENSEIGNEMENT$L0202$LETTRES MODERNES'), attr('ENTAuxEnsClasses', '52000$5B', '52000$5B'),
    ])]),
  ];
}

async function records(uai: string, entity: string, withDeleted = false) {
  let query = store.db.selectFrom('roster_record').select(['id', 'kind', 'status', 'data', 'source_ids']).where('uai', '=', uai).where('entity', '=', entity);
  if (!withDeleted) query = query.where('status', '=', 'active');
  return (await query.execute()).map((r) => ({ ...r, data: r.data as Record<string, unknown>, aaf: (r.source_ids as Record<string, string>).aaf }));
}
async function collect(chunks: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(Buffer.from(chunk));
  return out;
}
async function changes(uai: string): Promise<number> {
  const { n } = await store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).where('uai', '=', uai).executeTakeFirstOrThrow();
  return Number(n);
}

describe('a complete AAF delivery', () => {
  it('puts pupils, guardians and teachers in their establishment, with classes and links, and replaces it next time', async () => {
    await putEstablishment(store.db, establishment(college, LYON));
    const first = await run(delivery([1, 2, 3]));
    expect(first.problems).toEqual([]);
    // 3 pupils, 4 guardians, 1 teacher, 1 class, 4 memberships, 6 guardian links.
    expect(first.establishments).toEqual([{ uai: college, state: 'completed', counts: { created: 19, updated: 0, unchanged: 0, deleted: 0, rejected: 0 } }]);
    expect(first.counts).toEqual({ created: 19, updated: 0, unchanged: 0, deleted: 0, rejected: 0 });
    const people = await records(college, 'person');
    expect(people.map((p) => p.kind).sort()).toEqual(['guardian', 'guardian', 'guardian', 'guardian', 'pupil', 'pupil', 'pupil', 'teacher']);
    expect(people.find((p) => p.data.ine === ines[0])!.data).toMatchObject({ familyName: 'LEFÈVRE1', birthDate: '2013-03-14' });
    const links = await records(college, 'guardianLink');
    expect(links.map((l) => l.data.legalRepresentative).sort()).toEqual([false, false, false, true, true, true]);

    const logged = await changes(college);
    const again = await run(delivery([1, 2, 3]));
    expect(again.establishments[0].counts).toEqual({ created: 0, updated: 0, unchanged: 19, deleted: 0, rejected: 0 });
    expect(await changes(college)).toBe(logged);

    // Pupil 3 leaves: the pupil, its guardian, its membership and both its links go (5 of 19, held at 20 %).
    const held = await run(delivery([1, 2]));
    expect(held.establishments[0]).toMatchObject({ state: 'held', held: { deletions: 5, total: 19 } });
    expect(await changes(college)).toBe(logged);
    const left = await run(delivery([1, 2]), { confirmed: true });
    expect(left.establishments[0].counts).toMatchObject({ deleted: 5, unchanged: 14 });
  });

  it('keeps a pupil it refuses, with its classes, guardians and links, instead of taking it for one that left', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    expect((await run(delivery([1, 2, 3], uai, '6'))).counts.created).toBe(19);
    const logged = await changes(uai);

    const unnamed = delivery([1, 2, 3], uai, '6');
    const broken = pupil(3, '52000', '6').replace(attr('sn', 'LEFÈVRE3'), attr('sn', ''));
    unnamed[1] = file('ENT_Complet_20261123_Eleve_0000.xml', [pupil(1, '52000', '6'), pupil(2, '52000', '6'), broken]);
    const outcome = await run(unnamed);
    expect(outcome.problems).toEqual([expect.objectContaining({ file: 'ENT_Complet_20261123_Eleve_0000.xml', line: 15, field: 'sn', code: 'invalid-field', severity: 'error', sourceId: '2600003' })]);
    // Pupil 3, its membership, its two guardian links and guardian 3 (whom it alone names) were not delivered.
    expect(outcome.establishments).toEqual([{ uai, state: 'completed', counts: { created: 0, updated: 0, unchanged: 14, deleted: 0, rejected: 0 } }]);
    // The refused request is counted with the delivery's: the mapping refused it before it had an establishment.
    expect(outcome.counts).toEqual({ created: 0, updated: 0, unchanged: 14, deleted: 0, rejected: 1 });
    expect(await changes(uai)).toBe(logged);
    const active = await store.db.selectFrom('roster_record').select('id').where('uai', '=', uai).where('status', '=', 'active').execute();
    expect(active).toHaveLength(19);
  });

  it('parses its largest files in a worker thread, to the same records, and stops the same way on a broken file', async () => {
    const [inline, inWorker] = [newUai('069'), newUai('069')];
    for (const uai of [inline, inWorker]) await putEstablishment(store.db, establishment(uai, LYON));
    const declaredLarge = (files: SourceFile[]) => files.map((f) => ({ ...f, size: 64 * 1024 * 1024 }));
    const expected = await run(delivery([1, 2, 3], inline, '7'));
    const report = await run(declaredLarge(delivery([1, 2, 3], inWorker, '8')));
    expect(report.problems).toEqual(expected.problems);
    expect(report.establishments).toEqual(expected.establishments.map((e) => ({ ...e, uai: inWorker })));
    const people = async (uai: string) => (await records(uai, 'person')).map((p) => [p.kind, p.data.familyName, p.data.givenName, p.data.ine ?? null].join(' ')).sort();
    expect(await people(inWorker)).toEqual(await people(inline));

    const logged = await changes(inWorker);
    const broken = declaredLarge(delivery([1, 2], inWorker, '8'));
    broken[1] = { ...broken[1], open: async function* () { yield Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n<addRequest>'); } };
    const stopped = await run(broken, { confirmed: true });
    expect(stopped.problems.map((p) => [p.file, p.line, p.code])).toEqual([
      ['ENT_Complet_20261123_Eleve_0000.xml', 3, 'malformed-xml'], ['(delivery)', undefined, 'delivery-not-applied'],
    ]);
    expect(await changes(inWorker)).toBe(logged);
  });

  const described = (jointure: string, uai: string) => request('EtabEducNat', 'categorieStructure', jointure, [
    attr('ENTStructureJointure', jointure), attr('ENTStructureUAI', uai), attr('ENTStructureNomCourant', 'COLLEGE$JEAN$MOULIN'),
    attr('ENTStructureTypeStruct', 'CLG'), attr('ENTEtablissementContrat', 'PU'), attr('street', '3 RUE DES ECOLES'), attr('postalCode', '69003'),
    attr('l', 'LYON'), attr('ENTServAcAcademie', 'LYON'),
  ]);
  const storedEstablishment = async (uai: string) => store.db.selectFrom('establishment').select(['data', 'source_ids']).where('uai', '=', uai).executeTakeFirst();

  it('creates the establishments EtabEducNat describes that the store does not know, then their records', async () => {
    const uai = newUai('069');
    const [etabFile, ...people] = delivery([1], uai, 'a');
    const report = await run([file(etabFile.name, [described('52000', uai)]), ...people]);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(await storedEstablishment(uai)).toEqual({
      data: {
        name: 'COLLEGE JEAN MOULIN', type: 'college', sector: 'public', address: { street: '3 RUE DES ECOLES', postalCode: '69003', town: 'LYON' },
        ...LYON, communeName: 'Lyon', holidayZone: 'A', timeZone: 'Europe/Paris',
      },
      source_ids: { aaf: '52000' },
    });
    expect(report.establishments).toEqual([expect.objectContaining({ uai, state: 'completed' })]);
    expect((await records(uai, 'person')).length).toBe(4);
  });

  it('completes an establishment the national directory described without changing what it set', async () => {
    const uai = newUai('069');
    const directory = establishment(uai, LYON, { name: 'Collège Jean Moulin', sector: 'private', communeName: 'Lyon', sourceIds: { annuaire: uai } });
    await putEstablishment(store.db, directory);
    await run([file('ENT_Complet_20261123_EtabEducNat_0000.xml', [described('52000', uai)])]);
    const { sourceIds: _ids, uai: _uai, ...set } = directory;
    const address = { street: '3 RUE DES ECOLES', postalCode: '69003', town: 'LYON' };
    expect(await storedEstablishment(uai)).toEqual({ data: { ...set, address, timeZone: 'Europe/Paris' }, source_ids: { annuaire: uai, aaf: '52000' } });
  });

  it('places an establishment of an invented UAI by the académie it names, and refuses one it cannot place', async () => {
    const [placed, lost] = ['1004001V', '1004002D'];
    const etab = (jointure: string, uai: string, academie: string) => request('EtabEducNat', 'categorieStructure', jointure, [
      attr('ENTStructureJointure', jointure), attr('ENTStructureUAI', uai), attr('ENTStructureNomCourant', 'Z.REMP-DIGNE'), attr('ENTStructureTypeStruct', 'SANS OBJET'),
      ...(academie ? [attr('ENTServAcAcademie', academie)] : []),
    ]);
    const report = await run([file('ENT_Complet_20261123_EtabEducNat_0000.xml', [etab('71000', placed, 'AIX-MARSEILLE'), etab('72000', lost, '')])], { lenientIdentifiers: true });
    expect((await storedEstablishment(placed))?.data).toEqual({ name: 'Z.REMP-DIGNE', type: 'other', sector: 'public', academieCode: '02', regionCode: '93', holidayZone: 'B', timeZone: 'Europe/Paris' });
    expect(await storedEstablishment(lost)).toBeUndefined();
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([expect.objectContaining({ line: expect.any(Number), code: 'invalid-establishment', detail: expect.stringContaining(`establishment ${lost} cannot be placed`) })]);
  });

  it('reports a structure no EtabEducNat file describes', async () => {
    const orphan = await run(delivery([1]).slice(1));
    expect(orphan.problems.map((p) => p.code)).toEqual(['unknown-structure']);
    expect(orphan.establishments).toEqual([]);
  });

  it('stores nothing when a file is malformed or truncated, and names the file and line', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    expect((await run(delivery([1, 2], uai))).establishments[0].state).toBe('completed');
    const logged = await changes(uai);

    const [etabFile, pupils, ...rest] = delivery([1], uai);
    const bytes = Buffer.concat(await collect(pupils.open()));
    const truncated: SourceFile = { name: pupils.name, open: async function* () { yield bytes.subarray(0, bytes.length - 60); } };
    const cut = await run([etabFile, truncated, ...rest], { confirmed: true });
    expect(cut.establishments).toEqual([]);
    expect(cut.problems).toEqual([
      expect.objectContaining({ file: 'ENT_Complet_20261123_Eleve_0000.xml', code: 'malformed-xml', severity: 'error', line: expect.any(Number) }),
      expect.objectContaining({ code: 'delivery-not-applied', severity: 'error' }),
    ]);

    const broken = file('ENT_Complet_20261123_Eleve_0000.xml', [pupil(1).replace('<attr name="sn">', '<attr name="sn"><oops>')]);
    const malformed = await run([etabFile, broken, ...rest], { confirmed: true });
    expect(malformed.problems[0]).toMatchObject({ file: 'ENT_Complet_20261123_Eleve_0000.xml', code: 'malformed-xml', line: 8 });
    expect(await changes(uai)).toBe(logged);
    expect((await records(uai, 'person')).length).toBe(6);
  });

  it('leaves out, with a problem, the establishments the submitter may not write, in the same words whether they exist or not', async () => {
    const [mine, theirs, unknown] = [newUai('069'), newUai('069'), newUai('001')];
    for (const uai of [mine, theirs]) await putEstablishment(store.db, establishment(uai, LYON));
    const files = [
      file('ENT_Complet_20261123_EtabEducNat_0000.xml', [etab('61000', mine), etab('62000', theirs), etab('63000', unknown)]),
      file('ENT_Complet_20261123_Eleve_0000.xml', [pupil(1, '61000', '6'), pupil(2, '62000', '6'), pupil(3, '63000', '6')]),
      file('ENT_Complet_20261123_PersRelEleve_0000.xml', [guardian(1, '6'), guardian(2, '6'), guardian(3, '6'), request('PersRelEleve', 'categoriePersonne', '3600009', [attr('sn', 'ŒUVRAY'), attr('givenName', 'Marc')])]),
    ];
    const report = await run(files, { perimeter: [{ kind: 'uai', code: mine }], lenientIdentifiers: true });
    expect(report.establishments.map((e) => e.uai)).toEqual([mine]);
    const refused = report.problems.filter((p) => p.severity === 'error');
    expect(refused.map((p) => p.code)).toEqual(['establishment-not-allowed', 'establishment-not-allowed']);
    expect(refused[0].detail.replace(theirs, 'UAI')).toBe(refused[1].detail.replace(unknown, 'UAI'));
    expect(await records(theirs, 'person')).toEqual([]);
    expect(await store.db.selectFrom('establishment').select('uai').where('uai', '=', unknown).executeTakeFirst()).toBeUndefined();
    expect((await records(mine, 'person')).length).toBe(3);
  });

  it('tells its progress in bytes read, then in establishments written, and stops before writing when aborted', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const files = delivery([1], uai, '7');
    const total = files.reduce((sum, f) => sum + f.size!, 0);
    const stages: { stage: string; done: number; total?: number }[] = [];
    await run(files, { onProgress: (p) => stages.push(p) });
    expect(stages.find((p) => p.stage === 'reading ENT_Complet_20261123_Eleve_0000.xml')).toMatchObject({ total });
    expect(stages.filter((p) => p.stage.startsWith('reading')).at(-1)).toMatchObject({ done: total, total });
    expect(stages.filter((p) => !p.stage.startsWith('reading'))).toEqual([{ stage: `writing ${uai}`, done: 0, total: 1 }, { stage: 'done', done: 1, total: 1 }]);

    const other = newUai('069');
    await putEstablishment(store.db, establishment(other, LYON));
    const controller = new AbortController();
    controller.abort();
    await expect(run(delivery([1], other, '8'), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await records(other, 'person')).toEqual([]);
  });

  it('bounds the heap\'s growth while it reads and writes (test/sync/heap-growth.test.ts), and gives V8 its own back after', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const setFlags = vi.spyOn(v8, 'setFlagsFromString');
    const during = new Set<string>();
    try {
      const outcome = await run(delivery([1], uai, '6'), { onProgress: () => during.add(setFlags.mock.calls.map(([flags]) => flags).join(' ')) });
      expect(outcome.establishments).toMatchObject([{ uai, state: 'completed' }]);
      expect([...during]).toEqual(['--heap-growing-percent=100']);
      expect(setFlags.mock.calls).toEqual([['--heap-growing-percent=100'], ['--heap-growing-percent=0']]);
    } finally {
      setFlags.mockRestore();
    }
  });

  it('refuses modify and delete requests in a complete import', async () => {
    const report = await run([file('ENT_Complet_20261123_Eleve_0000.xml', [remove('Eleve', '2000001')])]);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'unexpected-request', line: 5, severity: 'error' })]);
  });

  it('makes subjects of the MatiereEducNat codes the establishment uses, and levels and MEFs of classes from the MEFs', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const mef = (code: string, label: string) => request('MefEducNat', 'categorieMef', code, [attr('ENTMefJointure', code), attr('ENTLibelleMef', label), attr('ENTMEFRattach', code)]);
    const subject = (code: string, label: string) => request('MatEducNat', 'categorieMatiere', code, [attr('ENTMatJointure', code), attr('ENTLibelleMatiere', label)]);
    const classOf = (i: number, code: string, mefCode: string) => request('Eleve', 'categoriePersonne', `71000${i}`, [
      attr('sn', `MARTIN${i}`), attr('givenName', 'Léa'), attr('ENTPersonStructRattach', '73000'), attr('ENTEleveClasses', `73000$${code}`),
      attr('ENTEleveMEF', mefCode), attr('ENTEleveCodeEnseignements', '030201', '061300'),
    ]);
    const files = [
      file('ENT_Complet_20261123_EtabEducNat_0000.xml', [etab('73000', uai)]),
      file('ENT_Complet_20261123_MatiereEducNat_0000.xml', [subject('030201', 'ANGLAIS LV1'), subject('061300', 'MATHEMATIQUES'), subject('020700', 'FRANCAIS'), subject('100100', 'EPS')], 'UTF-8'),
      file('ENT_Complet_20261123_MefEducNat_0000.xml', [mef('10110001110', '5EME'), mef('20010015110', '2DEGT2 (CAS GENERAL 2 ENS.EXPLO)')], 'UTF-8'),
      // 5A: two pupils in 5EME, one in 2nde: the level most of its pupils are in.
      file('ENT_Complet_20261123_Eleve_0000.xml', [classOf(1, '5A', '10110001110'), classOf(2, '5A', '10110001110'), classOf(3, '5A', '20010015110'), classOf(4, '2GT1', '20010015110')]),
      file('ENT_Complet_20261123_PersEducNat_0000.xml', [request('PersEducNat', 'categoriePersonne', '4100001', [
        attr('sn', 'BLANC'), attr('givenName', 'Inès'), attr('PersEducNatPresenceDevantEleves', 'O'), attr('ENTAuxEnsClasses', '73000$5A'),
        attr('ENTAuxEnsClassesMatieres', '73000$5A$020700', '99999$5A$999999'),
      ])]),
    ];
    const report = await run(files);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'unknown-subject', severity: 'warning', detail: expect.stringContaining('999999') })]);
    const subjects = await records(uai, 'subject');
    expect(subjects.map((s) => [s.data.code, s.data.name, s.aaf]).sort()).toEqual([
      ['020700', 'FRANCAIS', '020700'], ['030201', 'ANGLAIS LV1', '030201'], ['061300', 'MATHEMATIQUES', '061300'],
    ]);
    const groups = await records(uai, 'group');
    // The level on the normalised vocabulary, from the MEF code, which stays as levelSource; the MEF keeps its whole label.
    expect(groups.map((g) => [g.data.code, g.data.level, g.data.levelSource, g.data.mef]).sort()).toEqual([
      ['2GT1', '2DE', '20010015110', { code: '20010015110', label: '2DEGT2 (CAS GENERAL 2 ENS.EXPLO)' }],
      ['5A', '5E', '10110001110', { code: '10110001110', label: '5EME' }],
    ]);
    // Each pupil has its own level: the 2nde pupil of 5A too.
    const pupils = await records(uai, 'person');
    expect(pupils.filter((p) => p.kind === 'pupil').map((p) => [p.aaf, p.data.level]).sort()).toEqual([['710001', '5E'], ['710002', '5E'], ['710003', '2DE'], ['710004', '2DE']]);
    // The teacher's membership of 5A names the subject it teaches there; an undescribed subject code is left out.
    const [teaching] = (await records(uai, 'membership')).filter((m) => m.data.role === 'teacher');
    expect(teaching.data.subjectIds).toEqual([subjects.find((s) => s.data.code === '020700')!.id]);
    const logged = await changes(uai);
    expect((await run(files)).establishments[0].counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(await changes(uai)).toBe(logged);

    // A subject whose label comes empty is refused, and stays as stored rather than taken for one dropped.
    const unlabelled = files.map((f) => (f.name.includes('MatiereEducNat')
      ? file(f.name, [subject('030201', 'ANGLAIS LV1'), subject('061300', ''), subject('020700', 'FRANCAIS'), subject('100100', 'EPS')], 'UTF-8')
      : f));
    const refused = await run(unlabelled);
    expect(refused.problems).toContainEqual(expect.objectContaining({ field: 'ENTLibelleMatiere', severity: 'error', sourceId: '061300' }));
    expect(refused.establishments[0].counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect((await records(uai, 'subject')).map((s) => s.aaf).sort()).toEqual(['020700', '030201', '061300']);
  });
});

describe('a first-degree (aaf1d) delivery', () => {
  it('reads its names, classes with labels, levels, parental authority and teacher category', async () => {
    const ecole = newUai('069');
    await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole', name: 'ECOLE PRIMAIRE JULES FERRY' }));
    const files = [
      file('ENT1D_Complet_20261123_EtabEducNat_0000.xml', [request('EtabEducNat', 'categorieStructure', '81000', [
        attr('ENTStructureJointure', '81000'), attr('ENTStructureUAI', ecole), attr('ENTStructureNomCourant', 'ECOLE PRIMAIRE JULES FERRY'),
        attr('ENTEcoleCirconscription', 'LYON 3'), attr('ENTStructureAdresse', '1 RUE DES ECOLES'),
      ])]),
      file('ENT1D_Complet_20261123_Eleve_0000.xml', [request('Eleve', 'categoriePersonne', '8100001', [
        attr('ENTPersonJointure', '8100001'), attr('ENTPersonNom', 'GARNIER'), attr('ENTPersonPrenom', 'Noé'), attr('ENTPersonCivilite', 'M.'),
        attr('ENTPersonDateNaissance', '02/05/2016'), attr('ENTPersonStructRattach', '81000'),
        attr('ENTPersonClasses', '81000$CYCLE III$CM2$C123$CM2 de Mme Petit'), attr('ENTEleveNiveau', 'CM2'), attr('ENTEleveCycle', 'CYCLE III'),
        attr('ENTEleveAutoriteParentale', '8200001'), attr('ENTEleveRestaurantScolaire', 'true'),
      ])]),
      file('ENT1D_Complet_20261123_PersRelEleve_0000.xml', [request('PersRelEleve', 'categoriePersonne', '8200001', [
        attr('ENTPersonNom', 'GARNIER'), attr('ENTPersonPrenom', 'Julie'), attr('ENTPersonMail', 'julie.garnier@example.org'), attr('ENTPersRelEleveTelMobile', '0600000000'),
      ])]),
      file('ENT1D_Complet_20261123_PersEducNat_0000.xml', [
        request('PersEducNat', 'categoriePersonne', '8300001', [attr('ENTPersonNom', 'PETIT'), attr('ENTPersonPrenom', 'Claire'), attr('ENTPersonStructRattach', '81000'), attr('ENTPersonCategorieEnseignant', 'true')]),
        request('PersEducNat', 'categoriePersonne', '8300002', [attr('ENTPersonNom', 'MOREL'), attr('ENTPersonPrenom', 'Yves'), attr('ENTPersonStructRattach', '81000'), attr('ENTPersonCategorieEnseignant', 'false'), attr('ENTPersonFonctions', '81000$DIR$DIRECTION$$DIRECTEUR')]),
      ]),
    ];
    const report = await run(files);
    expect(report.problems).toEqual([]);
    const people = await records(ecole, 'person');
    expect(people.map((p) => [p.kind, p.data.familyName, p.data.givenName, p.data.email]).sort()).toEqual([
      ['guardian', 'GARNIER', 'Julie', 'julie.garnier@example.org'], ['pupil', 'GARNIER', 'Noé', undefined], ['staff', 'MOREL', 'Yves', undefined], ['teacher', 'PETIT', 'Claire', undefined],
    ]);
    const [group] = await records(ecole, 'group');
    expect(group.data).toEqual({ kind: 'division', code: 'C123', name: 'CM2 de Mme Petit', level: 'CM2', levelSource: 'CM2' });
    expect(people.find((p) => p.kind === 'guardian')!.data.phones).toEqual([{ type: 'mobile', number: '0600000000' }]);
    expect(people.find((p) => p.kind === 'staff')!.data.functions).toEqual([{ code: 'DIR', label: 'DIRECTION', disciplineLabel: 'DIRECTEUR' }]);
    expect(group.aaf).toBe('81000$C123');
    const [link] = await records(ecole, 'guardianLink');
    expect(link.data.legalRepresentative).toBe(true);
  });
});

describe('an AAF delta delivery', () => {
  it('applies adds, modifies and deletes exactly, and nothing else', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const base = delivery([1, 2, 3], uai, '5');
    base.push(file('ENT_Complet_20261123_Eleve_0001.xml', [request('Eleve', 'categoriePersonne', '2500004', [
      attr('sn', 'LEFÈVRE4'), attr('givenName', 'Chloé'), attr('ENTPersonStructRattach', '52000'), attr('ENTEleveClasses', '52000$5C'), attr('ENTEleveGroupes', '52000$LATIN'),
    ])]));
    expect((await run(base)).establishments[0].state).toBe('completed');
    const before = Object.fromEntries((await records(uai, 'person')).map((p) => [p.aaf, p]));

    const delta = [
      file('ENT_Delta_20261124_EtabEducNat_0000.xml', [`
  <modifyRequest>
    ${operational('categorieStructure', 'EtabEducNat')}
    <identifier><id>52000</id></identifier>
    <modifications><modification name="ENTStructureUAI" operation="replace"><value>${uai}</value></modification></modifications>
  </modifyRequest>`]),
      file('ENT_Delta_20261124_Eleve_0000.xml', [
        // Pupil 1 changes name and class (5B → 5C); its other attributes stay, its birth date too: the new one is no date.
        modify('Eleve', '2500001', [['sn', 'LEFEVRE-MARTIN'], ['ENTEleveClasses', '52000$5C'], ['ENTPersonDateNaissance', '31/02/2013']]),
        // Pupil 4 drops its groups and now names a guardian.
        modify('Eleve', '2500004', [['ENTEleveGroupes'], ['ENTElevePersRelEleve', '3500002$10$1$1$1$1']]),
        remove('Eleve', '2500003'),
        remove('Eleve', '2599999'),
        request('Eleve', 'categoriePersonne', '2500005', [attr('sn', 'NOUVEL'), attr('givenName', 'Léo'), attr('ENTPersonStructRattach', '52000'), attr('ENTEleveClasses', '52000$5B')]),
      ]),
      file('ENT_Delta_20261124_PersRelEleve_0000.xml', [modify('PersRelEleve', '3500002', [['mail']])]),
    ];
    const report = await run(delta, { mode: 'delta' });
    expect(report.problems).toEqual([
      expect.objectContaining({ file: 'ENT_Delta_20261124_Eleve_0000.xml', field: 'ENTPersonDateNaissance', code: 'invalid-field', line: 5, severity: 'warning' }),
      expect.objectContaining({ file: 'ENT_Delta_20261124_Eleve_0000.xml', code: 'unknown-record', line: 19, severity: 'warning' }),
    ]);
    // Updated: pupil 1, guardian 2. Created: pupil 5, its membership of 5B, pupil 1 in 5C, pupil 4's link.
    // Deleted: pupil 3 with its membership and two links, pupil 1 out of 5B, pupil 4 out of LATIN. Unchanged: 5B, 5C, pupil 4.
    expect(report.counts).toEqual({ created: 4, updated: 2, unchanged: 3, deleted: 6, rejected: 0 });

    const people = Object.fromEntries((await records(uai, 'person', true)).map((p) => [p.aaf, p]));
    expect(people['2500001'].data).toEqual({ ...before['2500001'].data, familyName: 'LEFEVRE-MARTIN' });
    expect(people['2500003'].status).toBe('deleted');
    expect(people['3500002'].data).toEqual({ kind: 'guardian', familyName: 'LEFÈVRE2', givenName: 'Anne' });
    expect(people['3500003'].status).toBe('active'); // a delta does not replace: only what it names changes
    const memberships = (await records(uai, 'membership')).map((m) => m.aaf).sort();
    expect(memberships).toEqual(['2500001@52000$5C', '2500002@52000$5B', '2500004@52000$5C', '2500005@52000$5B', '4500001@52000$5B']);
    const links = (await records(uai, 'guardianLink')).map((l) => l.aaf).sort();
    expect(links).toEqual(['3500001>2500001', '3500002>2500002', '3500002>2500004', '3500009>2500001', '3500009>2500002']);

    // Without its EtabEducNat request, a structure is found by its classes, unless several establishments have them.
    const orphan = await run([file('ENT_Delta_20261124_Eleve_0001.xml', [pupil(6, '52000', '5')])], { mode: 'delta' });
    expect(orphan.problems).toEqual([expect.objectContaining({ code: 'ambiguous-structure', severity: 'error', detail: expect.stringContaining(uai) })]);
    expect(orphan.establishments).toEqual([]);
  });

  it('moves a pupil attached to a structure of another establishment, with its guardians, to the classes it names there', async () => {
    // `from` sorts first: establishments are written in UAI order, except those pupils leave, written last.
    const [from, to] = [newUai('069'), newUai('069')].sort();
    for (const uai of [from, to]) await putEstablishment(store.db, establishment(uai, LYON));
    await run([
      file('ENT_Complet_20261123_EtabEducNat_0000.xml', [etab('52000', from), etab('53000', to)]),
      file('ENT_Complet_20261123_Eleve_0000.xml', [pupil(1, '52000', '4'), pupil(2, '53000', '4').replace('53000$5B', '53000$4A')]),
      file('ENT_Complet_20261123_PersRelEleve_0000.xml', [guardian(1, '4'), guardian(2, '4'), request('PersRelEleve', 'categoriePersonne', '3400009', [attr('sn', 'ŒUVRAY'), attr('givenName', 'Marc')])]),
    ]);
    const before = (await records(from, 'person')).find((p) => p.aaf === '2400001')!;
    const delta = [file('ENT_Delta_20261124_Eleve_0000.xml', [
      modify('Eleve', '2400001', [['ENTPersonStructRattach', '53000'], ['ENTEleveClasses', '53000$4A']]),
      modify('Eleve', '2400002', [['ENTPersonStructRattach', '99999']]),
    ])];

    // An import stopped after the establishment the pupil goes to, before the one it leaves.
    const stopping = new AbortController();
    await expect(run(delta, { mode: 'delta', signal: stopping.signal, onProgress: (p) => p.stage === `writing ${to}` && stopping.abort() })).rejects.toThrow();
    // There: the pupil, its membership of 4A, guardian 3400001 and both links; 4A, guardian 3400009 and pupil 2 were there.
    expect((await records(to, 'person')).map((p) => p.aaf).sort()).toEqual(['2400001', '2400002', '3400001', '3400002', '3400009']);
    expect((await records(from, 'person')).map((p) => p.aaf).sort()).toEqual(['2400001', '3400001', '3400009']);

    // Run again whole, it takes the pupil, its membership and its two guardian links out of the one it left; its
    // guardian 3400001 stays there (a delta removes only what it names).
    const stages: string[] = [];
    const report = await run(delta, { mode: 'delta', onProgress: (p) => stages.push(p.stage) });
    expect(stages.filter((stage) => stage.startsWith('writing'))).toEqual([`writing ${to}`, `writing ${from}`]);
    expect(report.establishments).toEqual([
      { uai: from, state: 'completed', counts: { created: 0, updated: 0, unchanged: 0, deleted: 4, rejected: 0 } },
      { uai: to, state: 'completed', counts: { created: 0, updated: 0, unchanged: 8, deleted: 0, rejected: 0 } },
    ]);
    const moved = (await records(to, 'person')).find((p) => p.aaf === '2400001')!;
    expect(moved.data).toEqual(before.data);
    expect((await records(from, 'person')).map((p) => p.aaf).sort()).toEqual(['3400001', '3400009']);
    expect((await records(to, 'membership')).map((m) => m.aaf).sort()).toEqual(['2400001@53000$4A', '2400002@53000$4A']);
    const links = await records(to, 'guardianLink');
    expect(links.map((l) => [l.aaf, l.data.legalRepresentative]).sort()).toEqual([
      ['3400001>2400001', true], ['3400002>2400002', true], ['3400009>2400001', false], ['3400009>2400002', false],
    ]);
  });
});
