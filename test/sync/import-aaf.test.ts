import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { ineWithKey } from '../../gateway/model/identifiers.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importAaf, type AafFile } from '../../gateway/sync/import-aaf.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('import_aaf');
});
afterAll(async () => store.close());

const attr = (name: string, ...values: string[]) => `<attr name="${name}">${values.map((v) => `<value>${v}</value>`).join('')}</attr>`;
const request = (category: string, kindAttr: string, id: string, attrs: string[]) => `
  <addRequest>
    <operationalAttributes>${attr(kindAttr, category)}</operationalAttributes>
    <identifier><id>${id}</id></identifier>
    <attributes>${attrs.join('')}</attributes>
  </addRequest>`;
const file = (name: string, requests: string[], encoding = 'ISO-8859-15'): AafFile => {
  const bytes = iconv.encode(`<?xml version="1.0" encoding="${encoding}"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n<ficAlimMENESR>${requests.join('')}\n</ficAlimMENESR>\n`, encoding);
  return { name, open: async function* () { yield bytes; } };
};

const college = newUai('069');
const ines = [1, 2, 3].map((i) => ineWithKey(`101800000${i}`));
function delivery(pupils: number[]): AafFile[] {
  return [
    file('ENT_Complet_20261123_EtabEducNat_0000.xml', [request('EtabEducNat', 'categorieStructure', '52000', [attr('ENTStructureJointure', '52000'), attr('ENTStructureUAI', college), attr('ENTStructureNomCourant', 'COLLEGE$JEAN$MOULIN')])]),
    file('ENT_Complet_20261123_Eleve_0000.xml', pupils.map((i) => request('Eleve', 'categoriePersonne', `200000${i}`, [
      attr('ENTPersonJointure', `200000${i}`), attr('ENTEleveINE', ines[i - 1]), attr('sn', `LEFÈVRE${i}`), attr('givenName', 'Chloé'),
      attr('ENTPersonDateNaissance', '14/03/2013'), attr('ENTPersonStructRattach', '52000'), attr('ENTEleveClasses', '52000$5B'),
      attr('ENTElevePersRelEleve', `300000${i}$10$1$1$1$1`, '3000009$20$0$0$0$0'),
    ]))),
    file('ENT_Complet_20261123_PersRelEleve_0000.xml', [
      ...pupils.map((i) => request('PersRelEleve', 'categoriePersonne', `300000${i}`, [attr('sn', `LEFÈVRE${i}`), attr('givenName', 'Anne'), attr('mail', `parent${i}@example.org`)])),
      request('PersRelEleve', 'categoriePersonne', '3000009', [attr('sn', 'ŒUVRAY'), attr('givenName', 'Marc')]),
    ]),
    file('ENT_Complet_20261123_PersEducNat_0000.xml', [request('PersEducNat', 'categoriePersonne', '4000001', [
      attr('sn', 'ROUX'), attr('givenName', 'Paul'), attr('ENTPersonStructRattach', '52000'),
      attr('ENTPersonFonctions', '52000$ENS$ENSEIGNEMENT$L0202$LETTRES MODERNES'), attr('ENTAuxEnsClasses', '52000$5B'),
    ])]),
  ];
}

describe('an AAF delivery', () => {
  it('puts pupils, guardians and teachers in their establishment, with classes and links, and replaces it next time', async () => {
    await putEstablishment(store.db, establishment(college, LYON));
    const first = await importAaf(store.db, delivery([1, 2, 3]), {});
    expect(first.problems).toEqual([]);
    // 3 pupils, 4 guardians, 1 teacher, 1 class, 4 memberships, 6 guardian links.
    expect(first.establishments).toEqual([{ uai: college, report: expect.objectContaining({ state: 'completed', counts: { created: 19, updated: 0, unchanged: 0, deleted: 0, rejected: 0 } }) }]);
    const people = await store.db.selectFrom('roster_record').select(['kind', 'data']).where('uai', '=', college).where('entity', '=', 'person').execute();
    expect(people.map((p) => p.kind).sort()).toEqual(['guardian', 'guardian', 'guardian', 'guardian', 'pupil', 'pupil', 'pupil', 'teacher']);
    expect(people.find((p) => (p.data as { ine?: string }).ine === ines[0])!.data).toMatchObject({ familyName: 'LEFÈVRE1', birthDate: '2013-03-14' });
    const links = await store.db.selectFrom('roster_record').select('data').where('uai', '=', college).where('entity', '=', 'guardianLink').execute();
    expect(links.map((l) => (l.data as { legalRepresentative: boolean }).legalRepresentative).sort()).toEqual([false, false, false, true, true, true]);

    const again = await importAaf(store.db, delivery([1, 2, 3]), {});
    expect(again.establishments[0].report.counts).toEqual({ created: 0, updated: 0, unchanged: 19, deleted: 0, rejected: 0 });

    // Pupil 3 leaves: the pupil, its guardian, its membership and both its links go (5 of 19, held at 20 %).
    const held = await importAaf(store.db, delivery([1, 2]), {});
    expect(held.establishments[0].report).toMatchObject({ state: 'held', deletions: 5, total: 19 });
    const left = await importAaf(store.db, delivery([1, 2]), { confirmed: true });
    expect(left.establishments[0].report.counts).toMatchObject({ deleted: 5, unchanged: 14 });
  });

  it('reports a structure no EtabEducNat file describes, and an establishment the gateway does not know', async () => {
    const unknown = newUai('069');
    const files = delivery([1]).map((f) => f);
    files[0] = file('ENT_Complet_20261123_EtabEducNat_0000.xml', [request('EtabEducNat', 'categorieStructure', '52000', [attr('ENTStructureJointure', '52000'), attr('ENTStructureUAI', unknown)])]);
    const report = await importAaf(store.db, files, {});
    expect(report.problems.map((p) => p.code)).toEqual(['unknown-establishment']);
    const orphan = await importAaf(store.db, delivery([1]).slice(1), {});
    expect(orphan.problems.map((p) => p.code)).toEqual(['unknown-structure']);
  });
});
