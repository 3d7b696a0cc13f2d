import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { municipalCsv } from '../../connectors/municipal/write.js';
import { communePupils } from '../../gateway/feeds/exports/queries.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { BOURG, division, establishment, guardian, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('municipal');
});
afterAll(async () => store.close());

describe('the municipal export', () => {
  it("lists the pupils of the commune's écoles with class, level and guardians, legal representatives first", async () => {
    const ecole = newUai('069');
    const college = newUai('069');
    const elsewhere = newUai('001');
    await putEstablishment(store.db, establishment(ecole, LYON, { type: 'ecole', name: 'École des Tilleuls' }));
    await putEstablishment(store.db, establishment(college, LYON));
    await putEstablishment(store.db, establishment(elsewhere, BOURG, { type: 'ecole' }));
    const lea = pupil({ familyName: 'Martin', givenName: 'Léa', birthDate: '2016-03-14' });
    const noe = pupil({ familyName: 'Dupont', givenName: 'Noé' });
    const cm2 = division('CM2 A', { level: 'CM2', name: 'CM2 "les hiboux"; salle 4' });
    const father = guardian({ familyName: 'Martin', givenName: 'Paul', email: undefined });
    const mother = guardian({
      familyName: 'Martin', givenName: 'Claire', email: 'claire@example.org',
      address: { lines: ['12 rue des Lilas', 'Bâtiment B'], postalCode: '69003', city: 'LYON', country: 'FRANCE' },
      phones: [{ type: 'home', number: '04 72 00 00 01' }, { type: 'mobile', number: '06 12 34 56 78' }],
    });
    const link = (g: Record<string, unknown>, p: Record<string, unknown>, legal: boolean, relationship?: string) =>
      upsert('guardianLink', { id: randomUUID(), guardianId: g.id, pupilId: p.id, legalRepresentative: legal, ...(relationship ? { relationship } : {}) });
    await applyBatch(store.db, ecole, [
      upsert('person', lea), upsert('person', noe), upsert('group', cm2), upsert('person', father), upsert('person', mother),
      upsert('membership', { id: randomUUID(), personId: lea.id, groupId: cm2.id, role: 'pupil' }),
      link(father, lea, false), link(mother, lea, true, 'mother'),
    ] as never);
    await applyBatch(store.db, college, [upsert('person', pupil())] as never);
    await applyBatch(store.db, elsewhere, [upsert('person', pupil())] as never);

    const rows = await communePupils(store.db, '69123');
    expect(rows).toEqual([
      { uai: ecole, establishmentName: 'École des Tilleuls', ine: noe.ine, familyName: 'Dupont', givenName: 'Noé', birthDate: noe.birthDate, className: '', guardians: [] },
      {
        uai: ecole, establishmentName: 'École des Tilleuls', ine: lea.ine, familyName: 'Martin', givenName: 'Léa', birthDate: '2016-03-14',
        className: 'CM2 "les hiboux"; salle 4', level: 'CM2',
        guardians: expect.arrayContaining([
          { familyName: 'Martin', givenName: 'Paul', legalRepresentative: false },
          {
            familyName: 'Martin', givenName: 'Claire', email: 'claire@example.org', legalRepresentative: true, relationship: 'mother',
            address: { lines: ['12 rue des Lilas', 'Bâtiment B'], postalCode: '69003', city: 'LYON', country: 'FRANCE' },
            phones: [{ type: 'home', number: '04 72 00 00 01' }, { type: 'mobile', number: '06 12 34 56 78' }],
          },
        ]),
      },
    ]);

    const lines = [...municipalCsv(rows)].join('').split('\r\n');
    const guardianColumns = (n: number) => ['nom', 'prénom', 'courriel', 'légal', 'lien', 'adresse', 'code postal', 'commune', 'pays', 'téléphone domicile', 'téléphone portable', 'téléphone travail'].map((c) => `Responsable ${n} ${c}`);
    expect(lines[0]).toBe(`\ufeff${['UAI', 'École', 'INE', 'Nom', 'Prénom', 'Date de naissance', 'Classe', 'Niveau', ...guardianColumns(1), ...guardianColumns(2)].join(';')}`);
    // The mother's address and phones, for canteen billing.
    expect(lines[2]).toBe(`${ecole};École des Tilleuls;${lea.ine};Martin;Léa;14/03/2016;"CM2 ""les hiboux""; salle 4";CM2;`
      + 'Martin;Claire;claire@example.org;oui;mère;"12 rue des Lilas, Bâtiment B";69003;LYON;FRANCE;04 72 00 00 01;06 12 34 56 78;;Martin;Paul;;non;;;;;;;;');
    expect(lines).toHaveLength(4); // header, two pupils, and the final empty line after the last CRLF
  });
});
