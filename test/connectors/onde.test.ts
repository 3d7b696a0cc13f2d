import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import type { ConnectorItem } from '../../connectors/kit/operation.js';
import { FileProblem } from '../../connectors/kit/problem.js';
import { parseOnde } from '../../connectors/onde/parse.js';
import { ineWithKey } from '../../gateway/model/identifiers.js';
import { chunked } from '../support/bytes.js';

async function parse(text: string, encoding = 'windows-1252', declared?: string): Promise<ConnectorItem[]> {
  const items: ConnectorItem[] = [];
  for await (const item of parseOnde(chunked(iconv.encode(text, encoding), 13), { file: 'ExportEleves.csv', encoding: declared })) items.push(item);
  return items;
}

const [ineA, ineB, ineC] = ['1016000001', '1016000002', '1016000003'].map(ineWithKey);
// The header as ONDE writes it (with its stray space before Cycle), CRLF, windows-1252; a pupil in two classes,
// a line listed twice, a pupil without INE, a bad date.
export const ONDE_EXPORT = [
  "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Adresse1;Cp1;Commune1;Pays1; Cycle;Niveau;Libellé classe;Identifiant classe;Attestation fournie",
  `Lefèvre;;Chloé;14/03/2016;F;${ineA};1 rue des Lilas;69001;Lyon;France;CYCLE III;CM2;CM2 de Mme Roux;1001;Non`,
  `Nguyen;;Hugo;02/11/2017;M;${ineB};3 place Bellecour;69002;Lyon;France;CYCLE II;CE2;CE2-CM1 de M. Blanc;1002;Non`,
  `Nguyen;;Hugo;02/11/2017;M;${ineB};3 place Bellecour;69002;Lyon;France;CYCLE II;CE2;Chorale;1003;Non`,
  `Lefèvre;;Chloé;14/03/2016;F;${ineA};1 rue des Lilas;69001;Lyon;France;CYCLE III;CM2;CM2 de Mme Roux;1001;Non`,
  'Martin;;Zoé;01/01/2017;F;;;;;;CYCLE II;CE2;CE2-CM1 de M. Blanc;1002;Non',
  `Œuvray;;Noé;31/02/2016;M;${ineC};;;;;CYCLE III;CM1;CE2-CM1 de M. Blanc;1002;Non`,
].join('\r\n');

describe('the ONDE connector', () => {
  it('reads pupils, classes and memberships, with a problem for each line it cannot use', async () => {
    const items = await parse(ONDE_EXPORT);
    const operations = items.filter((i) => i.kind === 'operation').map((i) => (i as { operation: { entity: string; record: Record<string, unknown>; links?: unknown; position: { line?: number } } }).operation);
    expect(operations.map((o) => [o.entity, o.position.line])).toEqual([
      ['group', 2], ['person', 2], ['membership', 2],
      ['group', 3], ['person', 3], ['membership', 3],
      ['group', 4], ['membership', 4],
      ['person', 7], ['membership', 7],
    ]);
    expect(operations[1].record).toEqual({ kind: 'pupil', familyName: 'Lefèvre', givenName: 'Chloé', ine: ineA, level: 'CM2', levelSource: 'CM2', birthDate: '2016-03-14', sourceIds: { onde: ineA } });
    expect(operations[0].record).toEqual({ kind: 'division', code: '1001', name: 'CM2 de Mme Roux', level: 'CM2', levelSource: 'CM2', sourceIds: { onde: '1001' } });
    // A CE2-CM1 class holds pupils of two levels: each pupil has its own, the class none.
    expect(operations[3].record).toEqual({ kind: 'division', code: '1002', name: 'CE2-CM1 de M. Blanc', sourceIds: { onde: '1002' } });
    expect([operations[4].record.level, operations[8].record.level]).toEqual(['CE2', 'CM1']);
    expect(operations[7]).toMatchObject({ record: { role: 'pupil', sourceIds: { onde: `${ineB}/1003` } }, links: { personId: { source: 'onde', id: ineB }, groupId: { source: 'onde', id: '1003' } } });
    expect(operations[8].record).toEqual({ kind: 'pupil', familyName: 'Œuvray', givenName: 'Noé', ine: ineC, level: 'CM1', levelSource: 'CM1', sourceIds: { onde: ineC } });

    const problems = items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
    expect(problems).toEqual([
      { file: 'ExportEleves.csv', line: 5, field: 'INE', code: 'invalid-field', severity: 'warning', detail: `the pupil ${ineA} is listed again` },
      { file: 'ExportEleves.csv', line: 6, field: 'INE', code: 'invalid-field', severity: 'error', detail: "INE is empty; expected the pupil's INE, the only identifier the export gives" },
      { file: 'ExportEleves.csv', line: 7, field: 'Date naissance', code: 'invalid-field', severity: 'warning', detail: 'Date naissance is "31/02/2016"; expected a date as DD/MM/YYYY' },
    ]);
  });

  it("reads each pupil's responsables: contacts, link and parental authority; a parent of siblings is one guardian", async () => {
    const header = 'Nom élève;Prénom élève;INE;Niveau;Libellé classe;Identifiant classe;Civilité responsable 1;Nom responsable 1;Prénom responsable 1;Lien de parenté responsable 1;'
      + 'Adresse responsable 1;CP responsable 1;Commune responsable 1;Pays responsable 1;Courriel responsable 1;Téléphone domicile responsable 1;Téléphone travail responsable 1;'
      + 'Téléphone portable responsable 1;Autorité parentale responsable 1;Nom responsable 2;Prénom responsable 2;Lien de parenté responsable 2;Téléphone portable responsable 2';
    const items = await parse([
      header,
      `Petit;Léa;${ineA};CM1;CM1-CM2;1001;MME;PETIT;Julie;MERE;12 rue des Lilas;69003;LYON;FRANCE;julie.petit@example.org;04 72 00 00 01;;06 12 34 56 78;Oui;PETIT;Marc;PERE;06 98 76 54 32`,
      `Petit;Tom;${ineB};CM2;CM1-CM2;1001;MME;PETIT;Julie;MERE;12 rue des Lilas;69003;LYON;FRANCE;julie.petit@example.org;04 72 00 00 01;;06 12 34 56 78;Oui;DURAND;Paul;VOISIN;`,
      `Roux;Ana;${ineC};TPS;TPS-PS;1002;M.;ROUX;Eric;TUTEUR;;;;;;;;;Non;;;;`,
    ].join('\r\n'));
    const operations = items.flatMap((i) => (i.kind === 'operation' ? [i.operation] : []));
    const guardians = operations.filter((o) => o.entity === 'person' && o.record.kind === 'guardian');
    expect(guardians.map((o) => o.record)).toEqual([
      {
        kind: 'guardian', familyName: 'PETIT', givenName: 'Julie', sourceIds: { onde: 'resp:PETIT|JULIE|69003' },
        address: { lines: ['12 rue des Lilas'], postalCode: '69003', city: 'LYON', country: 'FRANCE' },
        phones: [{ type: 'home', number: '04 72 00 00 01' }, { type: 'mobile', number: '06 12 34 56 78' }], email: 'julie.petit@example.org',
      },
      { kind: 'guardian', familyName: 'PETIT', givenName: 'Marc', sourceIds: { onde: 'resp:PETIT|MARC|' }, phones: [{ type: 'mobile', number: '06 98 76 54 32' }] },
      { kind: 'guardian', familyName: 'DURAND', givenName: 'Paul', sourceIds: { onde: 'resp:DURAND|PAUL|' } },
      { kind: 'guardian', familyName: 'ROUX', givenName: 'Eric', sourceIds: { onde: 'resp:ROUX|ERIC|' } },
    ]);
    const links = operations.filter((o) => o.entity === 'guardianLink');
    expect(links.map((o) => [o.links!.guardianId, o.links!.pupilId, o.record.relationship, o.record.legalRepresentative])).toEqual([
      [{ source: 'onde', id: 'resp:PETIT|JULIE|69003' }, { source: 'onde', id: ineA }, 'mother', true],
      [{ source: 'onde', id: 'resp:PETIT|MARC|' }, { source: 'onde', id: ineA }, 'father', true],
      [{ source: 'onde', id: 'resp:PETIT|JULIE|69003' }, { source: 'onde', id: ineB }, 'mother', true],
      [{ source: 'onde', id: 'resp:DURAND|PAUL|' }, { source: 'onde', id: ineB }, 'other', true],
      [{ source: 'onde', id: 'resp:ROUX|ERIC|' }, { source: 'onde', id: ineC }, 'tutor', false],
    ]);
    // Pupils of a CM1-CM2 class each have their level; an unknown link is other, with a warning at its line.
    expect(operations.filter((o) => o.entity === 'person' && o.record.kind === 'pupil').map((o) => o.record.level)).toEqual(['CM1', 'CM2', 'TPS']);
    expect(items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []))).toEqual([{
      file: 'ExportEleves.csv', line: 3, field: 'Lien de parenté responsable 2', code: 'unknown-relationship', severity: 'warning', detail: 'Lien de parenté responsable 2 is "VOISIN", which is no known relationship code; taken as "other"',
    }]);
  });

  it('names the pupil of a line it refuses for an empty name, so that a complete import keeps it as stored', async () => {
    const header = ONDE_EXPORT.split('\r\n')[0];
    const items = await parse([header, `Lefèvre;;;14/03/2016;F;${ineA};;;;;CYCLE III;CM2;CM2 de Mme Roux;1001;Non`].join('\r\n'));
    expect(items).toEqual([{ kind: 'problem', problem: {
      file: 'ExportEleves.csv', line: 2, field: 'Prénom élève', code: 'invalid-field', severity: 'error', detail: 'Prénom élève is empty; expected a name', sourceId: ineA,
    } }]);
  });

  it('reads the same export saved in UTF-8 with a byte-order mark, or in ISO-8859-15 when told so', async () => {
    const utf8 = await parse(`\ufeff${ONDE_EXPORT}`, 'utf8');
    const latin9 = await parse(ONDE_EXPORT, 'iso-8859-15', 'ISO-8859-15');
    const names = (items: ConnectorItem[]) => items.flatMap((i) => (i.kind === 'operation' && i.operation.entity === 'person' ? [i.operation.record.familyName] : []));
    expect(names(utf8)).toEqual(['Lefèvre', 'Nguyen', 'Œuvray']);
    expect(names(latin9)).toEqual(['Lefèvre', 'Nguyen', 'Œuvray']);
  });

  it('stops on an export without the INE column or the pupils\' names', async () => {
    await expect(parse('Nom;Prénom\r\nMartin;Zoé')).rejects.toBeInstanceOf(FileProblem);
    await expect(parse('INE;Classe\r\n1016000001A;CP')).rejects.toThrow('the header lacks the columns "Nom élève" or "Nom", "Prénom élève" or "Prénom"');
  });
});
