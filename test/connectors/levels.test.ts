import { describe, expect, it } from 'vitest';
import { levelFields, LEVELS, levelOfMefCode, normaliseLevel } from '../../connectors/kit/levels.js';
import { relationshipOf } from '../../connectors/kit/relationships.js';
import { addressOf, phonesOf } from '../../connectors/kit/contacts.js';
import commonSchema from '../../schemas/common.schema.json' with { type: 'json' };

const at = { file: 'f.csv', line: 3 };

describe('the normalised level vocabulary', () => {
  it('is the one the schemas take', () => {
    expect(commonSchema.$defs.level.enum).toEqual([...LEVELS]);
  });

  it('reads an MEF code by its dispositif and year: general, vocational and post-bac', () => {
    const cases: [string, string][] = [
      ['00031001310', 'PS'], ['00032001320', 'MS'], ['00033001330', 'GS'], ['00111001110', 'CP'], ['00221001210', 'CE1'], ['00222001220', 'CE2'], ['00322001220', 'CM2'],
      ['10010012110', '6E'], ['10110001110', '5E'], ['10210001110', '4E'], ['10310019110', '3E'], ['16710002110', '3E'],
      ['20010015110', '2DE'], ['20111010110', '1RE'], ['21131010110', '1RE'], ['20213019110', 'TLE'],
      ['24732402310', '2PRO'], ['24731402320', '1PRO'], ['24731402330', 'TPRO'], ['24125521210', 'CAP1'], ['24125521220', 'CAP2'],
      ['31133109210', 'BTS1'], ['31133109220', 'BTS2'], ['30120001210', 'CPGE1'], ['06211001110', 'ULIS'], ['25340001110', 'OTHER'],
    ];
    for (const [code, level] of cases) expect([code, levelOfMefCode(code)]).toEqual([code, level]);
    expect(levelOfMefCode('3EME')).toBeUndefined();
  });

  it('puts 3EME, 3E, 3ème and the 3e MEF code on one level, and reads ONDE, AAF and STS-Web labels', () => {
    for (const source of ['3EME', '3E', '3ème', ' 3eme  generale ', '10310019110', 'TROISIEME']) expect([source, normaliseLevel(source)]).toEqual([source, '3E']);
    const cases: [string, string][] = [
      ['CP', 'CP'], ['CE 2', 'CE2'], ['CM1', 'CM1'], ['GS', 'GS'], ['TPS', 'TPS'], ['PETITE SECTION', 'PS'], ['2NDE GT', '2DE'], ['2DE', '2DE'], ['1ERE', '1RE'],
      ['1S', '1RE'], ['TERMINALE', 'TLE'], ['TLE', 'TLE'], ['BAC PRO 3 ANS : 2NDE PRO (OU 1ERE ANNEE)', '2PRO'], ['2NDPRO', '2PRO'], ['1ERE PRO', '1PRO'],
      ['TERPRO', 'TPRO'], ['1CAP2 AGENT DE SECURITE', 'CAP1'], ['2CAP2', 'CAP2'], ['1BTS2 AERONAUTIQUE', 'BTS1'], ['ULIS', 'ULIS'], ['CLIS', 'ULIS'], ['6EME SEGPA', '6E'],
    ];
    for (const [source, level] of cases) expect([source, normaliseLevel(source)]).toEqual([source, level]);
    expect(normaliseLevel('CLASSE PASSERELLE')).toBeUndefined();
  });

  it('keeps the source code as levelSource, and warns when it names no level', () => {
    expect(levelFields(['CM2'], at, 'Niveau')).toEqual({ fields: { level: 'CM2', levelSource: 'CM2' }, problems: [] });
    expect(levelFields([undefined, '1031000D11A', '3EME'], at, 'MEF')).toEqual({ fields: { level: '3E', levelSource: '1031000D11A' }, problems: [] });
    expect(levelFields(['', undefined], at, 'Niveau')).toEqual({ fields: {}, problems: [] });
    expect(levelFields(['XYZ'], at, 'Niveau')).toEqual({
      fields: { levelSource: 'XYZ' },
      problems: [{ ...at, field: 'Niveau', code: 'unknown-level', severity: 'warning', detail: expect.stringContaining('Niveau is "XYZ", which names no level') }],
    });
  });
});

describe('relationships and contacts', () => {
  it('maps AAF, SIECLE and ONDE codes and labels, and an unknown one to other with a warning', () => {
    const of = (value: string) => relationshipOf(value, at, 'Lien').relationship;
    expect(['1', '2', '3', '4', '10', '20', '51', '90', 'MERE', 'Père', 'tuteur', 'AUTRE MEMBRE DE LA FAMILLE'].map(of))
      .toEqual(['father', 'mother', 'tutor', 'other', 'mother', 'father', 'tutor', 'other', 'mother', 'father', 'tutor', 'other']);
    expect(relationshipOf('VOISIN', at, 'Lien')).toEqual({
      relationship: 'other', problems: [{ ...at, field: 'Lien', code: 'unknown-relationship', severity: 'warning', detail: 'Lien is "VOISIN", which is no known relationship code; taken as "other"' }],
    });
  });

  it('builds addresses from lines and parts, and leaves placeholder and repeated phone numbers out', () => {
    expect(addressOf(['1 RUE A$ $BAT C', undefined], ' 69003 ', 'LYON')).toEqual({ lines: ['1 RUE A', 'BAT C'], postalCode: '69003', city: 'LYON' });
    expect(addressOf(['', undefined])).toBeUndefined();
    expect(phonesOf([['home', '0000000000'], ['mobile', '06 12 34 56 78'], ['mobile', '0612345678'], ['work', ''], ['work', '04 72 00 00 00']]))
      .toEqual([{ type: 'mobile', number: '06 12 34 56 78' }, { type: 'work', number: '04 72 00 00 00' }]);
  });
});
