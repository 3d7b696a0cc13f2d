import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeText, textEncoding, xmlEncoding } from '../../connectors/kit/decode.js';
import { readCsvRows } from '../../connectors/kit/csv.js';
import { isoDate } from '../../connectors/kit/date.js';
import { toMef } from '../../connectors/kit/mef.js';
import { FileProblem } from '../../connectors/kit/problem.js';
import { childText, readXmlElements, type XmlElement } from '../../connectors/kit/xml.js';
import { chunked } from '../support/bytes.js';
import groupSchema from '../../schemas/group.schema.json' with { type: 'json' };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function problemOf(run: () => Promise<unknown>): Promise<FileProblem['problem']> {
  try {
    await run();
  } catch (error) {
    if (error instanceof FileProblem) return error.problem;
    throw error;
  }
  throw new Error('expected a FileProblem');
}

const text = 'Cœur de l’élève : 12 € — Noël';

describe('decoding', () => {
  it('reads ISO-8859-15 and windows-1252 apart, where € and œ differ', async () => {
    const latin9 = iconv.encode(`<?xml version="1.0" encoding="ISO-8859-15"?><a>${text.replace('’', "'").replace('—', '-')}</a>`, 'iso-8859-15');
    expect(latin9.includes(0xa4)).toBe(true); // € in ISO-8859-15
    const cp1252 = iconv.encode(`<?xml version="1.0" encoding="windows-1252"?><a>${text}</a>`, 'windows-1252');
    expect(cp1252.includes(0x80)).toBe(true); // € in windows-1252
    expect((await collect(decodeText(chunked(latin9), (h) => xmlEncoding(h, 'a.xml'), 'a.xml'))).join('')).toContain("Cœur de l'élève : 12 € - Noël");
    expect((await collect(decodeText(chunked(cp1252), (h) => xmlEncoding(h, 'a.xml'), 'a.xml'))).join('')).toContain(text);
  });

  it('reads a declared ISO-8859-1 as windows-1252, as real exports need', async () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'), Buffer.from([0x80, 0x9c]), Buffer.from('</a>')]);
    expect((await collect(decodeText(chunked(bytes), (h) => xmlEncoding(h, 'a.xml'), 'a.xml'))).join('')).toContain('<a>€œ</a>');
  });

  it('drops a UTF-8 byte-order mark, and tells UTF-8 from windows-1252 in files that declare nothing', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('nom;prénom\n', 'utf8')]);
    expect((await collect(decodeText(chunked(bom, 2), textEncoding, 'a.csv'))).join('')).toBe('nom;prénom\n');
    expect(textEncoding(Buffer.from('prénom', 'utf8'))).toBe('utf-8');
    expect(textEncoding(iconv.encode('prénom', 'windows-1252'))).toBe('windows-1252');
    // A UTF-8 character cut at the end of the sample is not taken for windows-1252.
    expect(textEncoding(Buffer.from('abcé', 'utf8').subarray(0, 4))).toBe('utf-8');
  });

  it('refuses bytes that are not UTF-8 in a file read as UTF-8, naming the line, rather than garbling names', async () => {
    const declared = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<a>\n<b>'), iconv.encode('Noël', 'windows-1252'), Buffer.from('</b></a>')]);
    const problem = await problemOf(() => collect(decodeText(chunked(declared), (h) => xmlEncoding(h, 'a.xml'), 'a.xml')));
    expect(problem).toMatchObject({ file: 'a.xml', line: 3, code: 'bad-encoding', severity: 'error' });
    expect(problem.detail).toContain('ISO-8859-1');
    // A CSV whose first 64 KiB read as UTF-8 and whose end does not.
    const mixed = Buffer.concat([Buffer.from('nom;prénom\n'.repeat(7000), 'utf8'), iconv.encode('Noël;Zoé\n', 'windows-1252')]);
    expect(await problemOf(() => collect(decodeText(chunked(mixed, 4096), textEncoding, 'b.csv')))).toMatchObject({ file: 'b.csv', line: 7001, code: 'bad-encoding' });
  });

  it('refuses an encoding exports do not use, naming it', async () => {
    const problem = await problemOf(() => collect(readXmlElements(chunked(Buffer.from('<?xml version="1.0" encoding="EBCDIC-CP-FR"?><a/>')), { file: 'x.xml', select: () => true })));
    expect(problem).toMatchObject({ file: 'x.xml', line: 1, code: 'unsupported-encoding' });
    expect(problem.detail).toContain('EBCDIC-CP-FR');
  });
});

describe('XML', () => {
  const document = `<?xml version="1.0" encoding="UTF-8"?>
<ficAlimMENESR>
  <addRequest>
    <identifier><id>1001</id></identifier>
    <attributes>
      <attr name="sn"><value>Martin</value></attr>
      <attr name="givenName"><value>Léa</value></attr>
    </attributes>
  </addRequest>
  <addRequest>
    <identifier><id>1002</id></identifier>
    <attributes><attr name="sn"><value><![CDATA[Dupont & fils]]></value></attr></attributes>
  </addRequest>
</ficAlimMENESR>
`;

  it('hands out the selected elements one by one, with their lines, however the bytes are cut', async () => {
    const elements = await collect(readXmlElements(chunked(Buffer.from(document), 3), {
      file: 'Eleve_0001.xml',
      select: (name, ancestors) => name === 'addRequest' && ancestors.length === 1,
    }));
    expect(elements.map((e) => e.line)).toEqual([3, 10]);
    const id = (e: XmlElement) => childText(e.children.find((c) => c.name === 'identifier')!, 'id');
    expect(elements.map(id)).toEqual(['1001', '1002']);
    const attrs = elements[0].children.find((c) => c.name === 'attributes')!.children;
    expect(attrs.map((a) => [a.attributes.name, childText(a, 'value')])).toEqual([['sn', 'Martin'], ['givenName', 'Léa']]);
    expect(childText(elements[1].children[1].children[0], 'value')).toBe('Dupont & fils');
  });

  it('stops at malformed XML with the file, line and column', async () => {
    const broken = document.replace('</attr>\n      <attr name="givenName">', '</att>\n      <attr name="givenName">');
    const problem = await problemOf(() => collect(readXmlElements(chunked(Buffer.from(broken)), { file: 'Eleve_0001.xml', select: (n) => n === 'addRequest' })));
    expect(problem).toMatchObject({ file: 'Eleve_0001.xml', line: 6, code: 'malformed-xml', severity: 'error' });
    expect(problem.detail).toMatch(/not well-formed \(column \d+\)/);
  });

  it('reports a truncated document', async () => {
    const truncated = document.slice(0, document.indexOf('<addRequest>', 100));
    const problem = await problemOf(() => collect(readXmlElements(chunked(Buffer.from(truncated)), { file: 'cut.xml', select: (n) => n === 'addRequest' })));
    expect(problem.code).toBe('malformed-xml');
  });

  it('never resolves entities declared by the document', async () => {
    const hostile = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    const problem = await problemOf(() => collect(readXmlElements(chunked(Buffer.from(hostile)), { file: 'evil.xml', select: () => true })));
    expect(problem.code).toBe('malformed-xml');
  });
});

describe('CSV', () => {
  const csv = 'INE;Nom;Prénom;Classe\r\n0494004062M;Martin;Léa;CM2 A\r\n\r\n1016000182Z;"Dupont; Durand";Noé;"CM1\r\nB"\r\n2016000182A;Petit;Jade;CE2\r\n';

  it('yields rows keyed by their header (accents and case aside), with the lines they start on, across CRLF and quotes', async () => {
    const rows = await collect(readCsvRows(chunked(iconv.encode(csv, 'windows-1252'), 5), { file: 'onde.csv', required: ['INE', 'nom', 'prenom'] }));
    expect(rows).toEqual([
      { line: 2, values: { ine: '0494004062M', nom: 'Martin', prenom: 'Léa', classe: 'CM2 A' } },
      { line: 4, values: { ine: '1016000182Z', nom: 'Dupont; Durand', prenom: 'Noé', classe: 'CM1\r\nB' } },
      { line: 6, values: { ine: '2016000182A', nom: 'Petit', prenom: 'Jade', classe: 'CE2' } },
    ]);
  });

  it('stops when a required column is missing, naming it', async () => {
    const problem = await problemOf(() => collect(readCsvRows(chunked(Buffer.from('Nom;Prénom\nMartin;Léa\n')), { file: 'onde.csv', required: ['INE', 'Nom'] })));
    expect(problem).toMatchObject({ file: 'onde.csv', line: 1, code: 'missing-column', field: 'INE' });
    expect(problem.detail).toBe('the header lacks the column "INE"');
  });

  it('says an empty file has no header', async () => {
    const problem = await problemOf(() => collect(readCsvRows(chunked(Buffer.alloc(0)), { file: 'empty.csv' })));
    expect(problem.code).toBe('empty-file');
  });

  it('reports an unclosed quote with its line', async () => {
    const problem = await problemOf(() => collect(readCsvRows(chunked(Buffer.from('a;b\n1;"open\n')), { file: 'q.csv' })));
    expect(problem.code).toBe('malformed-csv');
  });
});

describe('MEFs', () => {
  it('keeps the codes the group schema takes, and a label when it fits', () => {
    const pattern = new RegExp(groupSchema.properties.mef.properties.code.pattern);
    for (const code of ['10310019110', '2116', '2761000411A', '123', '12345', '1031001911', '103100191100', '10310-19110', '']) {
      expect([code, toMef(code, 'label') !== undefined]).toEqual([code, pattern.test(code)]);
    }
    expect(toMef(' 10310019110 ', '  3EME   GENERALE ')).toEqual({ code: '10310019110', label: '3EME GENERALE' });
    expect(toMef('2761000411a', undefined)).toEqual({ code: '2761000411A' });
    expect(toMef('10310019110', 'x'.repeat(256))).toEqual({ code: '10310019110' });
    expect(toMef(undefined, '3EME')).toBeUndefined();
  });
});

describe('dates', () => {
  it('reads DD/MM/YYYY and YYYY-MM-DD, and nothing that is not a day of the calendar', () => {
    expect(isoDate('07/08/1967')).toBe('1967-08-07');
    expect(isoDate('1967-08-07')).toBe('1967-08-07');
    expect(isoDate('29/02/2016')).toBe('2016-02-29');
    expect(isoDate('29/02/2000')).toBe('2000-02-29');
    for (const text of ['29/02/2015', '29/02/1900', '31/04/2016', '00/04/2016', '2016-13-01', '2016-00-10', '7/8/1967', '07-08-1967', '1967-08-07T00:00', '']) {
      expect(isoDate(text)).toBeUndefined();
    }
  });
});
