import { afterAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { fileCategory } from '../../connectors/aaf/files.js';
import { AAF_ATTRIBUTES, guardianOf, mefOf, personModification, pupilOf, pupilPlacement, staffOf, structureOf, subjectOf } from '../../connectors/aaf/map.js';
import { aafReaderThread, readAafRequests, type AafItem, type AafRequest } from '../../connectors/aaf/read.js';
import { FileProblem } from '../../connectors/kit/problem.js';
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

  it('reads values split by comments and CDATA, trims them, and takes the first of each part of a request', async () => {
    const items = await read(`<?xml version="1.0" encoding="UTF-8"?>
<ficAlimMENESR>
  <addRequest>
    <operationalAttributes><attr name="categoriePersonne"><value> PersEducNat </value><value>Eleve</value></attr><attr name="x"><value>Eleve</value></attr></operationalAttributes>
    <identifier><id>
      4000001 </id><id>4000002</id></identifier>
    <identifier><id>4000003</id></identifier>
    <unknown><attr name="sn"><value>NOT READ</value></attr></unknown>
    <attributes>
      <attr name="sn"><value>DU<!-- a comment -->PONT</value></attr>
      <attr name="givenName"><value><![CDATA[Zoé & Léa]]></value><other>ignored</other></attr>
      <attr><value>no name: left out</value></attr>
      <attr name="mail"><value>  </value><value>a@b.fr<b>nested text is not the value's</b></value></attr>
    </attributes>
    <attributes><attr name="sn"><value>SECOND BLOCK</value></attr></attributes>
  </addRequest>
  <wrapper><addRequest><identifier><id>not a request of this file</id></identifier></addRequest></wrapper>
  <addRequest>
    <operationalAttributes><attr name="categoriePersonne"><value/></attr></operationalAttributes>
    <identifier><id>4000004</id></identifier>
  </addRequest>
</ficAlimMENESR>`, 'utf8');
    expect(items).toEqual([
      { kind: 'request', request: { kind: 'add', category: 'PersEducNat', id: '4000001', line: 3, attributes: {
        sn: ['DUPONT'], givenName: ['Zoé & Léa'], mail: ['a@b.fr'],
      } } },
      { kind: 'problem', problem: {
        file: 'ENT_Delta_20261123_Eleve_0001.xml', line: 18, field: 'operationalAttributes', code: 'invalid-request', severity: 'error',
        detail: 'addRequest has no category (operationalAttributes/attr/value)',
      } },
    ]);
  });

  it('reads the same file saved in UTF-8', async () => {
    const items = await read(delta.replace('ISO-8859-15', 'UTF-8'), 'utf8');
    expect(items[0]).toMatchObject({ request: { attributes: { sn: ['LEFÈVRE'], ENTPersonAutresPrenoms: ['Chloé', 'Œuvine'] } } });
  });
});

describe('reading only the attributes asked for', () => {
  const readKept = async (xml: string, attributes: readonly string[]) => {
    const items: AafItem[] = [];
    for await (const item of readAafRequests(chunked(iconv.encode(xml, 'iso-8859-15'), 17), { file: 'ENT_Delta_20261123_Eleve_0001.xml', attributes })) items.push(item);
    return items;
  };

  it('skips the values of the other attributes, in additions and modifications alike', async () => {
    const items = await readKept(delta, ['sn', 'ENTElevePersRelEleve']);
    expect(items.slice(0, 3).map((item) => item.kind === 'request' && item.request.attributes)).toEqual([
      { sn: ['LEFÈVRE'], ENTElevePersRelEleve: ['3000001$10$1$1$1$1', '3000002$20$0$1$0$0'] }, {}, {},
    ]);
    expect(items.map((item) => item.kind === 'request' ? [item.request.kind, item.request.id, item.request.line] : item.problem.code))
      .toEqual((await read(delta)).map((item) => item.kind === 'request' ? [item.request.kind, item.request.id, item.request.line] : item.problem.code));
  });

  it('keeps with AAF_ATTRIBUTES everything the mapping reads', () => {
    const kept = (request: AafRequest): AafRequest => ({ ...request, attributes: Object.fromEntries(Object.entries(request.attributes).filter(([name]) => (AAF_ATTRIBUTES as readonly string[]).includes(name))) });
    // Second and first degree, with attributes the mapping does not read (ENTEleveRegime, ENTPersonAdresse…).
    const pupils = [
      requestOf('Eleve', {
        sn: ['LEFÈVRE'], givenName: ['Chloé'], ENTEleveINE: ['101800000a'], ENTPersonDateNaissance: ['14/03/2013'], ENTPersonStructRattach: ['52000'],
        ENTEleveClasses: ['52000$5B'], ENTEleveGroupes: ['52000$LATIN'], ENTEleveMEF: ['10110001110'], ENTEleveLibelleMEF: ['5EME'], ENTEleveRegime: ['INTERNE'],
        ENTElevePersRelEleve: ['3000001$10$1$1$1$1'], ENTEleveCodeEnseignements: ['030201'], ENTPersonAdresse: ['1 RUE HAUTE'],
      }),
      requestOf('Eleve', {
        ENTPersonNom: ['GARNIER'], ENTPersonPrenom: ['Noé'], ENTPersonStructRattach: ['81000'], ENTPersonClasses: ['81000$CYCLE III$CM2$C123$CM2'],
        ENTPersonGroupes: ['81000$$$G1$Chorale'], ENTEleveNiveau: ['CM2'], ENTEleveAutoriteParentale: ['8200001'], ENTPersonLogin: ['noe.garnier'],
      }),
    ];
    const dictionaries = { mefs: new Map([['10110001110', '5EME']]) };
    for (const pupil of pupils) expect(pupilOf(kept(pupil), at, dictionaries)).toEqual(pupilOf(pupil, at, dictionaries));
    const staff = [
      requestOf('PersEducNat', {
        sn: ['ROUX'], givenName: ['Paul'], mail: ['paul.roux@ac-lyon.fr'], ENTPersonStructRattach: ['52000'], PersEducNatPresenceDevantEleves: ['O'],
        ENTAuxEnsClasses: ['52000$5B'], ENTAuxEnsGroupes: ['52000$LATIN'], ENTAuxEnsClassesMatieres: ['52000$5B$020700'], ENTAuxEnsGroupesMatieres: ['52000$LATIN$020700'],
        ENTPersonFonctions: ['52000$ENS$ENSEIGNEMENT'], ENTPersonTitre: ['M.'],
      }),
      requestOf('PersEducNat', { ENTPersonNom: ['MOREL'], ENTPersonPrenom: ['Yves'], ENTPersonMail: ['y.morel@ac-lyon.fr'], ENTPersonStructRattach: ['81000'], ENTPersonCategorieEnseignant: ['false'], ENTPersonDateNaissance: ['01/02/1970'] }),
    ];
    for (const person of staff) expect(staffOf(kept(person), at)).toEqual(staffOf(person, at));
    const guardian = requestOf('PersRelEleve', { sn: ['LEFÈVRE'], givenName: ['Marc'], mail: ['marc@example.fr'], homePhone: ['0102030405'] }, 'add', '3000001');
    expect(guardianOf(kept(guardian), at)).toEqual(guardianOf(guardian, at));
    const structure = requestOf('EtabEducNat', { ENTStructureUAI: ['0691234a'], ENTStructureJointure: ['52000'], ENTStructureNomCourant: ['COLLEGE$X'], ENTStructureTypeStruct: ['CLG'] });
    expect(structureOf(kept(structure), at)).toEqual(structureOf(structure, at));
    const subject = requestOf('MatEducNat', { ENTMatJointure: ['006600'], ENTLibelleMatiere: ['AP'], ENTLibelleCourt: ['AP'] }, 'add', '006600');
    expect(subjectOf(kept(subject), at)).toEqual(subjectOf(subject, at));
    const mef = requestOf('MefEducNat', { ENTMefJointure: ['10110001110'], ENTLibelleMef: ['5EME'], ENTMEFRattach: ['10110001110'] });
    expect(mefOf(kept(mef))).toEqual(mefOf(mef));
    const change = requestOf('Eleve', {
      sn: ['MARTIN'], givenName: ['Léa'], mail: [], ENTPersonDateNaissance: ['01/01/2012'], ENTEleveINE: ['101800000b'], ENTEleveClasses: ['52000$5C'], ENTEleveGroupes: [],
      ENTElevePersRelEleve: ['3000003$10$1$1$1$1'], ENTPersonStructRattach: ['52001'], ENTEleveRegime: ['INTERNE'],
    }, 'modify');
    expect(personModification(kept(change), 'pupil', at)).toEqual(personModification(change, 'pupil', at));
    const teacherChange = requestOf('PersEducNat', { ENTAuxEnsClasses: ['52000$5C'], ENTAuxEnsGroupes: [], ENTPersonMail: ['p@x.fr'] }, 'modify');
    expect(personModification(kept(teacherChange), 'teacher', at)).toEqual(personModification(teacherChange, 'teacher', at));
  });
});

describe('reading broken AAF files', () => {
  it('stops at malformed XML with the file, line and column', async () => {
    const broken = delta.replace('<value>Chloé</value></attr>', '<value>Chloé</attr>');
    await expect(read(broken)).rejects.toMatchObject({ problem: {
      file: 'ENT_Delta_20261123_Eleve_0001.xml', line: 10, code: 'malformed-xml', severity: 'error', detail: expect.stringMatching(/^the XML is not well-formed \(column \d+\)/),
    } });
  });

  it('stops at a truncated file, naming the line where it ends', async () => {
    await expect(read(delta.slice(0, delta.indexOf('<deleteRequest>') + 20))).rejects.toMatchObject({ problem: { file: 'ENT_Delta_20261123_Eleve_0001.xml', line: 22, code: 'malformed-xml' } });
  });
});

const requestOf = (category: string, attributes: Record<string, string[]>, kind: AafRequest['kind'] = 'add', id = '2000001'): AafRequest => ({ kind, category, id, attributes, line: 5 });
const at = { file: 'ENT_Complet_20261123_Eleve_0000.xml', line: 5 };
const entities = (mapped: { operations: { structure: string; operation: { entity: string; record: Record<string, unknown> } }[] }) =>
  mapped.operations.map(({ structure, operation }) => [structure, operation.entity, operation.record]);

describe('mapping AAF requests', () => {
  it('describes a structure\'s establishment as EtabEducNat does: name, type, sector, postal address and académie', () => {
    const structure = structureOf(requestOf('EtabEducNat', {
      ENTStructureUAI: ['0691234a'], ENTStructureJointure: ['52000'], ENTStructureNomCourant: ['COLLEGE$JEAN$MOULIN'], ENTStructureTypeStruct: ['CLG'],
      ENTEtablissementContrat: ['PU'], street: ['3 RUE DES ECOLES'], postalCode: ['69003'], l: ['LYON'], ENTServAcAcademie: ['LYON'],
    }), at);
    expect(structure).toEqual({
      jointure: '52000', uai: '0691234A',
      description: {
        uai: '0691234A', source: 'aaf', sourceId: '52000', position: at, name: 'COLLEGE JEAN MOULIN', type: 'college', sector: 'public',
        address: { street: '3 RUE DES ECOLES', postalCode: '69003', town: 'LYON' }, academieCode: '10',
      },
    });
    const bare = structureOf(requestOf('EtabEducNat', { ENTStructureUAI: ['1004001V'], ENTStructureTypeStruct: ['SANS OBJET'], ENTEtablissementContrat: [''], ENTServAcAcademie: ['AIX-MARSEILLE'] }), at);
    expect(bare).toMatchObject({ description: { academieCode: '02', address: {} } });
    expect('description' in bare && ['name', 'type', 'sector'].filter((field) => field in bare.description)).toEqual([]);
  });

  it('maps a second-degree pupil with its class at its MEF level, its groups, guardians and subjects', () => {
    const mapped = pupilOf(requestOf('Eleve', {
      sn: ['LEFÈVRE'], givenName: ['Chloé'], ENTEleveINE: ['101800000a'], ENTPersonDateNaissance: ['14/03/2013'], ENTPersonStructRattach: ['52000'],
      ENTEleveClasses: ['52000$5B'], ENTEleveGroupes: ['52000$LATIN'], ENTEleveMEF: ['10110001110'], ENTEleveLibelleMEF: ['5EME'],
      ENTElevePersRelEleve: ['3000001$10$1$1$1$1', '3000002$20$0$0$0$0'], ENTEleveCodeEnseignements: ['030201', '061300'],
    }), at, { mefs: new Map([['10110001110', '5EME']]) });
    expect(mapped.problems).toEqual([]);
    expect(entities(mapped)).toEqual([
      ['52000', 'person', { kind: 'pupil', ine: '101800000A', level: '5E', levelSource: '10110001110', mef: { code: '10110001110', label: '5EME' }, birthDate: '2013-03-14', familyName: 'LEFÈVRE', givenName: 'Chloé', sourceIds: { aaf: '2000001' } }],
      ['52000', 'group', { kind: 'division', code: '5B', name: '5B', level: '5E', levelSource: '10110001110', mef: { code: '10110001110', label: '5EME' }, sourceIds: { aaf: '52000$5B' } }],
      ['52000', 'membership', { role: 'pupil', sourceIds: { aaf: '2000001@52000$5B' } }],
      ['52000', 'group', { kind: 'group', code: 'LATIN', name: 'LATIN', sourceIds: { aaf: '52000$LATIN' } }],
      ['52000', 'membership', { role: 'pupil', sourceIds: { aaf: '2000001@52000$LATIN' } }],
      ['52000', 'guardianLink', { legalRepresentative: true, relationship: 'mother', sourceIds: { aaf: '3000001>2000001' } }],
      ['52000', 'guardianLink', { legalRepresentative: false, relationship: 'father', sourceIds: { aaf: '3000002>2000001' } }],
    ]);
    expect(mapped.subjects).toEqual([{ structure: '52000', code: '030201' }, { structure: '52000', code: '061300' }]);
  });

  it('normalises the level of the MEF code (its label when the code says none), keeps the code as levelSource and the MEF with its whole label', () => {
    const pupil = requestOf('Eleve', { ENTEleveMEF: ['20010015110'], ENTEleveLibelleMEF: ['2DEGT2  (CAS GENERAL 2 ENS.EXPLO)'] });
    expect(pupilPlacement(pupil, { mefs: new Map() }, at)).toEqual({ placement: { level: '2DE', levelSource: '20010015110', mef: { code: '20010015110', label: '2DEGT2 (CAS GENERAL 2 ENS.EXPLO)' } }, problems: [] });
    // MefEducNat's label comes before the pupil's own.
    expect(pupilPlacement(pupil, { mefs: new Map([['20010015110', '2NDE GT']]) }, at).placement).toEqual({ level: '2DE', levelSource: '20010015110', mef: { code: '20010015110', label: '2NDE GT' } });
    // A local MEF code (letters) names no level: its NivFormation does.
    expect(pupilPlacement(requestOf('Eleve', { ENTEleveMEF: ['1031000D11A'], ENTEleveNivFormation: ['3EME'] }), { mefs: new Map() }, at).placement)
      .toEqual({ level: '3E', levelSource: '1031000D11A', mef: { code: '1031000D11A' } });
    // A value that is no MEF code gives no MEF; the first degree's level comes first.
    expect(pupilPlacement(requestOf('Eleve', { ENTEleveNiveau: ['CM2'], ENTEleveMEF: ['x'] }), { mefs: new Map() }, at).placement).toEqual({ level: 'CM2', levelSource: 'CM2' });
    expect(pupilPlacement(requestOf('Eleve', {}), { mefs: new Map() }, at)).toEqual({ placement: {}, problems: [] });
    // A code that names no level stays as levelSource, with a warning.
    expect(pupilPlacement(requestOf('Eleve', { ENTEleveNiveau: ['CLASSE PASSERELLE'] }), { mefs: new Map() }, at)).toEqual({
      placement: { levelSource: 'CLASSE PASSERELLE' },
      problems: [expect.objectContaining({ ...at, field: 'ENTEleveNiveau', code: 'unknown-level', severity: 'warning', detail: expect.stringContaining('"CLASSE PASSERELLE"') })],
    });
  });

  it('maps a first-degree pupil: names, labelled classes, level and parental authority', () => {
    const mapped = pupilOf(requestOf('Eleve', {
      ENTPersonNom: ['GARNIER'], ENTPersonPrenom: ['Noé'], ENTPersonStructRattach: ['81000'], ENTPersonClasses: ['81000$CYCLE III$CM2$C123$CM2 de Mme Petit'],
      ENTEleveNiveau: ['CM2'], ENTEleveAutoriteParentale: ['8200001', '8200002$MERE'],
    }), at, { mefs: new Map() });
    expect(entities(mapped)).toEqual([
      ['81000', 'person', { kind: 'pupil', level: 'CM2', levelSource: 'CM2', familyName: 'GARNIER', givenName: 'Noé', sourceIds: { aaf: '2000001' } }],
      ['81000', 'group', { kind: 'division', code: 'C123', name: 'CM2 de Mme Petit', level: 'CM2', levelSource: 'CM2', sourceIds: { aaf: '81000$C123' } }],
      ['81000', 'membership', { role: 'pupil', sourceIds: { aaf: '2000001@81000$C123' } }],
      ['81000', 'guardianLink', { legalRepresentative: true, sourceIds: { aaf: '8200001>2000001' } }],
      ['81000', 'guardianLink', { legalRepresentative: true, relationship: 'mother', sourceIds: { aaf: '8200002>2000001' } }],
    ]);
  });

  it('tells teachers from staff in both degrees, and places the subjects they teach', () => {
    const teacher = staffOf(requestOf('PersEducNat', {
      sn: ['ROUX'], givenName: ['Paul'], ENTPersonStructRattach: ['52000'], PersEducNatPresenceDevantEleves: ['O'],
      ENTAuxEnsClassesMatieres: ['52000$5B$020700', '55794$1S2$062900'],
    }), at);
    expect(teacher.operations[0].operation.record.kind).toBe('teacher');
    expect(teacher.subjects).toEqual([{ structure: '52000', code: '020700' }, { structure: '52000', code: '062900' }]);
    const director = staffOf(requestOf('PersEducNat', { ENTPersonNom: ['MOREL'], ENTPersonPrenom: ['Yves'], ENTPersonStructRattach: ['81000'], ENTPersonCategorieEnseignant: ['false'] }), at);
    expect(director.operations.map((o) => o.operation.record.kind)).toEqual(['staff']);
    const teacher1d = staffOf(requestOf('PersEducNat', { ENTPersonNom: ['PETIT'], ENTPersonPrenom: ['Claire'], ENTPersonFonctions: ['81000$$$ENS$ENSEIGNANT'] }), at);
    expect(teacher1d.operations.map((o) => [o.structure, o.operation.record.kind])).toEqual([['81000', 'teacher']]);
  });

  it('keeps a person whose birth date is not a date without it, with a warning; a modification leaves the stored one', () => {
    const pupil = pupilOf(requestOf('Eleve', { sn: ['MARTIN'], givenName: ['Léa'], ENTPersonStructRattach: ['52000'], ENTPersonDateNaissance: ['31/02/2013'] }), at, { mefs: new Map() });
    expect(pupil.operations[0].operation.record).not.toHaveProperty('birthDate');
    const warning = { ...at, field: 'ENTPersonDateNaissance', code: 'invalid-field', severity: 'warning', detail: 'ENTPersonDateNaissance is "31/02/2013"; expected a date as DD/MM/YYYY; left out' };
    expect(pupil.problems).toEqual([warning]);
    const staff = staffOf(requestOf('PersEducNat', { sn: ['ROUX'], givenName: ['Paul'], ENTPersonStructRattach: ['52000'], ENTPersonDateNaissance: ['1975-13-01'] }), at);
    expect(staff.operations[0].operation.record).not.toHaveProperty('birthDate');
    expect(staff.problems).toEqual([{ ...warning, detail: 'ENTPersonDateNaissance is "1975-13-01"; expected a date as DD/MM/YYYY; left out' }]);

    const wrong = personModification(requestOf('Eleve', { sn: ['MARTIN'], ENTPersonDateNaissance: ['31/02/2013'] }, 'modify'), 'pupil', at);
    expect(wrong).toMatchObject({ fields: { familyName: 'MARTIN' }, problems: [warning] });
    expect(wrong.fields).not.toHaveProperty('birthDate');
    expect(personModification(requestOf('Eleve', { ENTPersonDateNaissance: [] }, 'modify'), 'pupil', at).fields).toEqual({ birthDate: undefined });
    expect(personModification(requestOf('Eleve', { ENTPersonDateNaissance: ['07/08/2013'] }, 'modify'), 'pupil', at).fields).toEqual({ birthDate: '2013-08-07' });
  });

  it('maps a subject and a MEF of the académie-wide files', () => {
    expect(subjectOf(requestOf('MatEducNat', { ENTMatJointure: ['006600'], ENTLibelleMatiere: ['ACCOMPAGNEMENT PERSONNALISE'] }, 'add', '006600'), at)).toEqual({ code: '006600', name: 'ACCOMPAGNEMENT PERSONNALISE' });
    expect(subjectOf(requestOf('MatEducNat', {}, 'add', '006600'), at)).toMatchObject({ field: 'ENTLibelleMatiere', code: 'invalid-field' });
    expect(mefOf(requestOf('MefEducNat', { ENTMefJointure: ['10110001110'], ENTLibelleMef: ['5EME'] }))).toEqual({ code: '10110001110', label: '5EME' });
  });

  it('turns a modifyRequest into the fields it sets or clears and the lists it replaces', () => {
    const change = personModification(requestOf('Eleve', {
      sn: ['MARTIN'], mail: [], ENTEleveClasses: ['52000$5C'], ENTEleveGroupes: [], ENTElevePersRelEleve: ['3000003$10$1$1$1$1'], ENTPersonStructRattach: ['52001'], ENTEleveRegime: ['INTERNE'],
    }, 'modify'), 'pupil', at);
    expect(change).toEqual({
      fields: { familyName: 'MARTIN', email: undefined }, divisions: ['52000$5C'], groups: [], guardians: [{ guardianId: '3000003', legal: true, relationship: 'mother' }],
      structure: '52001', problems: [],
    });
    expect(personModification(requestOf('Eleve', { ENTPersonStructRattach: [] }, 'modify'), 'pupil', at)).toEqual({
      fields: {}, problems: [expect.objectContaining({ field: 'ENTPersonStructRattach', severity: 'warning', detail: 'ENTPersonStructRattach is replaced by nothing; the pupil stays where it is' })],
    });
    expect(personModification(requestOf('Eleve', { sn: [] }, 'modify'), 'pupil', at).problems).toEqual([expect.objectContaining({ field: 'sn', code: 'invalid-field' })]);
  });

  it("reads a guardian's address, phones and e-mail, leaving placeholder numbers out", () => {
    const guardian = guardianOf(requestOf('PersRelEleve', {
      sn: ['LEFÈVRE'], givenName: ['Anne'], mail: ['anne.lefevre@example.org'], homePhone: ['04 92 00 00 01'], telephoneNumber: ['0000000000'],
      mobile: ['06 12 34 56 78'], ENTPersonAdresse: ['12 RUE DES LILAS$BATIMENT B'], ENTPersonCodePostal: ['04100'], ENTPersonVille: ['MANOSQUE'], ENTPersonPays: ['FRANCE'],
    }, 'add', '3000001'), at);
    expect(guardian).toEqual({ entity: 'person', position: at, record: {
      kind: 'guardian', familyName: 'LEFÈVRE', givenName: 'Anne', sourceIds: { aaf: '3000001' },
      address: { lines: ['12 RUE DES LILAS', 'BATIMENT B'], postalCode: '04100', city: 'MANOSQUE', country: 'FRANCE' },
      phones: [{ type: 'home', number: '04 92 00 00 01' }, { type: 'mobile', number: '06 12 34 56 78' }], email: 'anne.lefevre@example.org',
    } });
    // First degree's own phone attributes.
    const firstDegree = guardianOf(requestOf('PersRelEleve', { ENTPersonNom: ['GARNIER'], ENTPersonPrenom: ['Luc'], ENTPersRelEleveTelMobile: ['0611111111'], ENTPersRelEleveTelPro: ['0472000000'] }), at);
    expect('record' in firstDegree && firstDegree.record.phones).toEqual([{ type: 'mobile', number: '0611111111' }, { type: 'work', number: '0472000000' }]);
  });

  it("maps each guardian's link code to a relationship, an unknown one to other with a warning naming the line and value", () => {
    const mapped = pupilOf(requestOf('Eleve', {
      sn: ['DURAND'], givenName: ['Léo'], ENTPersonStructRattach: ['52000'],
      ENTElevePersRelEleve: ['3000001$1$1$1$0$0', '3000002$2$0$2$0$0', '3000003$3$0$1$0$0', '3000004$6$0$0$1$0', '3000005$99$0$0$1$0'],
    }), at, { mefs: new Map() });
    expect(mapped.operations.filter((o) => o.operation.entity === 'guardianLink').map((o) => o.operation.record.relationship)).toEqual(['father', 'mother', 'tutor', 'other', 'other']);
    expect(mapped.problems).toEqual([{ ...at, field: 'ENTElevePersRelEleve', code: 'unknown-relationship', severity: 'warning', detail: 'ENTElevePersRelEleve is "99", which is no known relationship code; taken as "other"' }]);
  });

  it("gives a teacher's functions and, on each class or group membership, the subjects it teaches there", () => {
    const teacher = staffOf(requestOf('PersEducNat', {
      sn: ['ROUX'], givenName: ['Paul'], ENTPersonStructRattach: ['52000'], PersEducNatPresenceDevantEleves: ['O'],
      ENTPersonFonctions: ['52000$ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES', '52001$ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES', '52000$DIR$DIRECTION$$'],
      ENTAuxEnsClasses: ['52000$5B', '52000$4A'], ENTAuxEnsGroupes: ['52000$LATIN'],
      ENTAuxEnsClassesMatieres: ['52000$5B$061300', '52000$5B$062900', '52000$4A$061300'], ENTAuxEnsGroupesMatieres: ['52000$LATIN$020300'],
    }), at);
    expect(teacher.operations[0].operation.record.functions).toEqual([
      { code: 'ENS', label: 'ENSEIGNEMENT', disciplineCode: 'L1300', disciplineLabel: 'MATHEMATIQUES' }, { code: 'DIR', label: 'DIRECTION' },
    ]);
    const links = teacher.operations.filter((o) => o.operation.entity === 'membership' && o.structure === '52000').map((o) => [o.operation.record.sourceIds, o.operation.links?.subjectIds]);
    expect(links).toEqual([
      [{ aaf: '2000001@52000$5B' }, [{ source: 'aaf', id: '061300' }, { source: 'aaf', id: '062900' }]],
      [{ aaf: '2000001@52000$4A' }, [{ source: 'aaf', id: '061300' }]],
      [{ aaf: '2000001@52000$LATIN' }, [{ source: 'aaf', id: '020300' }]],
    ]);
    expect(personModification(requestOf('PersEducNat', { ENTAuxEnsClassesMatieres: ['52000$5B$061300'] }, 'modify'), 'teacher', at).subjects).toEqual(new Map([['52000$5B', ['061300']]]));
    // Real deliveries may name the class of a subject under another structure than the teacher's classes: the
    // teacher's class of that code is meant, and its establishment uses the subject.
    const elsewhere = staffOf(requestOf('PersEducNat', {
      sn: ['ROUX'], givenName: ['Paul'], ENTPersonStructRattach: ['55794'], PersEducNatPresenceDevantEleves: ['O'],
      ENTAuxEnsClasses: ['52009$1S2'], ENTAuxEnsClassesMatieres: ['55794$1S2$006600'],
    }), at);
    const membership = elsewhere.operations.find((o) => o.operation.entity === 'membership')!;
    expect([membership.structure, membership.operation.links?.subjectIds]).toEqual(['52009', [{ source: 'aaf', id: '006600' }]]);
    expect(elsewhere.subjects).toContainEqual({ structure: '52009', code: '006600' });
  });

  it('knows the AAF files by their names, complete or delta, first or second degree', () => {
    expect(['ENT_Complet_20200101_EtabEducNat_0000.xml', 'FULL_ENTTSSERVICES_Complet_20130117_MatiereEducNat_0000.xml', 'x/ENT_Delta_20261124_MefEducNat_0003.xml',
      'ENT_Complet_20200101_Eleve_0000.xml', 'clean-FULL_ENTTSSERVICES_Complet_20130117_PersRelEleve_0012.xml', 'ENT1D_Complet_20261123_PersEducNat_0001.xml', 'ENT_Complet_Eleve.csv'].map(fileCategory))
      .toEqual(['EtabEducNat', 'MatiereEducNat', 'MefEducNat', 'Eleve', 'PersRelEleve', 'PersEducNat', undefined]);
  });
});

describe('reading AAF files in a worker thread', () => {
  const thread = aafReaderThread();
  afterAll(() => thread.close());
  const file = 'ENT_Delta_20261123_Eleve_0001.xml';
  const readAll = async (items: AsyncIterable<AafItem>) => {
    const seen: AafItem[] = [];
    const failure = await (async () => {
      for await (const item of items) seen.push(item);
    })().catch((error: unknown) => error);
    return { seen, failure };
  };

  it('gives what the reader gives in the calling thread, item for item', async () => {
    const start = delta.indexOf('<ficAlimMENESR>\n') + '<ficAlimMENESR>\n'.length;
    const requests = delta.slice(start, delta.lastIndexOf('</ficAlimMENESR>'));
    const big = delta.slice(0, start) + requests.repeat(301) + '</ficAlimMENESR>\n';
    const items: AafItem[] = [];
    for await (const item of thread.read<AafItem>(chunked(iconv.encode(big, 'iso-8859-15'), 17), { file })) items.push(item);
    expect(items).toHaveLength(1204);
    expect(items).toEqual(await read(big));
  });

  it('stops at malformed XML as the reader does in the calling thread, then reads the next file', async () => {
    const broken = delta.replace('<value>52000$5B</value></modification>', '<value>52000$5B</modification>');
    const bytes = () => chunked(iconv.encode(broken, 'iso-8859-15'), 17);
    const [worker, inline] = [await readAll(thread.read<AafItem>(bytes(), { file })), await readAll(readAafRequests(bytes(), { file }))];
    expect(worker.failure).toBeInstanceOf(FileProblem);
    expect((worker.failure as FileProblem).problem).toEqual((inline.failure as FileProblem).problem);
    expect(worker.failure).toMatchObject({ problem: { file, line: 19, code: 'malformed-xml' } });
    expect(worker.seen).toEqual(inline.seen);
    expect((await readAll(thread.read<AafItem>(chunked(iconv.encode(delta, 'iso-8859-15'), 17), { file }))).seen).toEqual(await read(delta));
  });

  it('stops when the bytes cannot be read, and the next file is read whole', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(delta.slice(0, 400));
      throw new Error('the upload was cut');
    }
    expect((await readAll(thread.read<AafItem>(failing(), { file }))).failure).toMatchObject({ message: 'the upload was cut' });
    expect((await readAll(thread.read<AafItem>(chunked(iconv.encode(delta, 'iso-8859-15'), 17), { file }))).seen).toEqual(await read(delta));
  });

  it('lets a file be given up half-way, and the next file is read whole', async () => {
    for await (const item of thread.read<AafItem>(chunked(iconv.encode(delta, 'iso-8859-15'), 17), { file })) {
      expect(item.kind).toBe('request');
      break;
    }
    expect((await readAll(thread.read<AafItem>(chunked(iconv.encode(delta, 'iso-8859-15'), 17), { file }))).seen).toEqual(await read(delta));
  });
});
