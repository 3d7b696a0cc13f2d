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
    expect(operations[1].record).toEqual({ kind: 'pupil', familyName: 'Lefèvre', givenName: 'Chloé', ine: ineA, birthDate: '2016-03-14', sourceIds: { onde: ineA } });
    expect(operations[0].record).toEqual({ kind: 'division', code: '1001', name: 'CM2 de Mme Roux', level: 'CM2', sourceIds: { onde: '1001' } });
    expect(operations[7]).toMatchObject({ record: { role: 'pupil', sourceIds: { onde: `${ineB}/1003` } }, links: { personId: { source: 'onde', id: ineB }, groupId: { source: 'onde', id: '1003' } } });
    expect(operations[8].record).toEqual({ kind: 'pupil', familyName: 'Œuvray', givenName: 'Noé', ine: ineC, sourceIds: { onde: ineC } });

    const problems = items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
    expect(problems).toEqual([
      { file: 'ExportEleves.csv', line: 5, field: 'INE', code: 'invalid-field', severity: 'warning', detail: `the pupil ${ineA} is listed again` },
      { file: 'ExportEleves.csv', line: 6, field: 'INE', code: 'invalid-field', severity: 'error', detail: "INE is empty; expected the pupil's INE, the only identifier the export gives" },
      { file: 'ExportEleves.csv', line: 7, field: 'Date naissance', code: 'invalid-field', severity: 'warning', detail: 'Date naissance is "31/02/2016"; expected a date as DD/MM/YYYY' },
    ]);
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
