import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { readAafRequests, type AafItem } from '../../connectors/aaf/read.js';
import { chunked } from '../support/bytes.js';

async function read(xml: string, encoding = 'iso-8859-15'): Promise<AafItem[]> {
  const items: AafItem[] = [];
  for await (const item of readAafRequests(chunked(iconv.encode(xml, encoding), 17), { file: 'ENT_Delta_20261123_Eleve_0001.xml' })) items.push(item);
  return items;
}

// Shaped like the real files: ISO-8859-15 prolog, a DOCTYPE naming the DTD, the version comment, empty values,
// multi-valued attributes with `$` sub-fields, and the three request kinds of a delta file.
const delta = `<?xml version="1.0" encoding="ISO-8859-15"?>
<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">
<!-- versionAF="AAF-VE1301" -->
<ficAlimMENESR>
  <addRequest>
    <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
    <identifier><id>2000001</id></identifier>
    <attributes>
      <attr name="sn"><value>LEFÈVRE</value></attr>
      <attr name="givenName"><value>Chloé</value></attr>
      <attr name="ENTPersonAutresPrenoms"><value>Chloé</value><value>Œuvine</value></attr>
      <attr name="ENTElevePersRelEleve"><value>3000001$10$1$1$1$1</value><value>3000002$20$0$1$0$0</value></attr>
      <attr name="ENTEleveDateSortieClasses"><value/></attr>
    </attributes>
  </addRequest>
  <modifyRequest>
    <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
    <identifier><id>2000002</id></identifier>
    <modifications><modification name="ENTEleveClasses" operation="replace"><value>52000$5B</value></modification></modifications>
  </modifyRequest>
  <deleteRequest>
    <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
    <identifier><id>2000003</id></identifier>
  </deleteRequest>
  <addRequest>
    <operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr></operationalAttributes>
    <attributes><attr name="sn"><value>SANS ID</value></attr></attributes>
  </addRequest>
</ficAlimMENESR>
`;

describe('reading AAF files', () => {
  it('reads add, modify and delete requests with their attributes, values and lines', async () => {
    const items = await read(delta);
    expect(items.slice(0, 3)).toEqual([
      { kind: 'request', request: { kind: 'add', category: 'Eleve', id: '2000001', line: 5, attributes: {
        sn: ['LEFÈVRE'], givenName: ['Chloé'], ENTPersonAutresPrenoms: ['Chloé', 'Œuvine'],
        ENTElevePersRelEleve: ['3000001$10$1$1$1$1', '3000002$20$0$1$0$0'], ENTEleveDateSortieClasses: [],
      } } },
      { kind: 'request', request: { kind: 'modify', category: 'Eleve', id: '2000002', line: 16, attributes: { ENTEleveClasses: ['52000$5B'] } } },
      { kind: 'request', request: { kind: 'delete', category: 'Eleve', id: '2000003', line: 21, attributes: {} } },
    ]);
    expect(items[3]).toEqual({ kind: 'problem', problem: {
      file: 'ENT_Delta_20261123_Eleve_0001.xml', line: 25, field: 'identifier', code: 'invalid-request', severity: 'error',
      detail: 'addRequest has no identifier/id',
    } });
  });

  it('reads the same file saved in UTF-8', async () => {
    const items = await read(delta.replace('ISO-8859-15', 'UTF-8'), 'utf8');
    expect(items[0]).toMatchObject({ request: { attributes: { sn: ['LEFÈVRE'], ENTPersonAutresPrenoms: ['Chloé', 'Œuvine'] } } });
  });
});
