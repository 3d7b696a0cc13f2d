// CSV injection (OWASP): a cell that begins with =, +, -, @, a tab or a carriage return is a formula to a
// spreadsheet; every CSV the gateway writes shows it as text instead, through one function.
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../connectors/kit/csv-cell.js';
import { municipalCsv, type MunicipalPupil } from '../../connectors/municipal/write.js';

describe('csvCell', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+33 6 12 34 56 78', "'+33 6 12 34 56 78"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "\"'\rcmd\""],
    ['=HYPERLINK("http://x.example";"y")', `"'=HYPERLINK(""http://x.example"";""y"")"`],
  ])('neutralises %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('leaves ordinary values as they are, quoting only what RFC 4180 needs', () => {
    expect(csvCell('Martin')).toBe('Martin');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('CM2 "A"; salle 4')).toBe('"CM2 ""A""; salle 4"');
    expect(csvCell('Jean-Pierre')).toBe('Jean-Pierre');
  });
});

describe('the municipal export as CSV', () => {
  it('writes names that begin like formulas as text', () => {
    const pupil: MunicipalPupil = {
      uai: '0690001A', establishmentName: 'École des Tilleuls', familyName: '=HYPERLINK("http://x.example")', givenName: '@Léa',
      className: '+CM2', guardians: [{ familyName: '-Martin', givenName: 'Claire', legalRepresentative: true, phones: [{ type: 'mobile', number: '+33 6 12 34 56 78' }], address: { lines: ['=1+2'] } }],
    };
    const row = [...municipalCsv([pupil])][1];
    // The guardian's 12 columns (an address line and an international number neutralised too), then the second's, empty.
    expect(row).toBe(`0690001A;École des Tilleuls;;"'=HYPERLINK(""http://x.example"")";'@Léa;;'+CM2;;'-Martin;Claire;;oui;;'=1+2;;;;;'+33 6 12 34 56 78;${';'.repeat(12)}\r\n`);
  });
});
