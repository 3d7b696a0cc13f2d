import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { parseAnnuaire, type AnnuaireItem } from '../../connectors/annuaire/parse.js';
import { FileProblem } from '../../connectors/kit/problem.js';
import { validateRecord } from '../../gateway/model/validate.js';
import { chunked } from '../support/bytes.js';

async function parse(bytes: Buffer, file: string): Promise<AnnuaireItem[]> {
  const items: AnnuaireItem[] = [];
  for await (const item of parseAnnuaire(chunked(bytes, 11), { file })) items.push(item);
  return items;
}

// Shaped like the open-data export: its column names, `;`, windows-1252 as a spreadsheet saves it, CRLF, a
// closed establishment, a lycée professionnel, a private collège, a Corsican département, an incomplete line.
const header = 'Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Code_commune;Nom_commune;Code_departement;Code_region;Code_academie;Libelle_nature;etat';
const csv = [
  header,
  '0050009H;Lycée professionnel Sévigné;Lycée;Public;05061;Gap;05;93;02;LYCEE PROFESSIONNEL;OUVERT',
  '0691234S;Collège Saint-Exupéry;Collège;Privé;69123;Lyon;069;84;10;COLLEGE;OUVERT',
  '0751234J;École élémentaire fermée;Ecole;Public;75056;Paris;075;11;01;ECOLE ELEMENTAIRE;FERME',
  '7200009A;Lycée de Bastia;Lycée;Public;2B033;Bastia;2B;94;27;LYCEE POLYVALENT;OUVERT',
  '0010856A;Collège sans commune;Collège;Public;;;001;84;10;COLLEGE;OUVERT',
].join('\r\n');

describe('the annuaire connector', () => {
  it('turns the CSV export into establishments, with territories, zones and types, skipping closed ones', async () => {
    const items = await parse(iconv.encode(csv, 'windows-1252'), 'fr-en-annuaire-education.csv');
    const records = items.filter((i) => i.kind === 'record').map((i) => (i as { record: Record<string, unknown> }).record);
    expect(records).toEqual([
      {
        uai: '0050009H', sourceIds: { annuaire: '0050009H' }, name: 'Lycée professionnel Sévigné', type: 'lycee-pro', sector: 'public',
        communeCode: '05061', departementCode: '005', regionCode: '93', academieCode: '02', communeName: 'Gap', holidayZone: 'B',
      },
      {
        uai: '0691234S', sourceIds: { annuaire: '0691234S' }, name: 'Collège Saint-Exupéry', type: 'college', sector: 'private',
        communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10', communeName: 'Lyon', holidayZone: 'A',
      },
      {
        uai: '7200009A', sourceIds: { annuaire: '7200009A' }, name: 'Lycée de Bastia', type: 'lycee', sector: 'public',
        communeCode: '2B033', departementCode: '02B', regionCode: '94', academieCode: '27', communeName: 'Bastia', holidayZone: 'corse',
      },
    ]);
    const problems = items.filter((i) => i.kind === 'problem').map((i) => (i as { problem: unknown }).problem);
    expect(problems).toEqual([{
      file: 'fr-en-annuaire-education.csv', line: 6, field: 'code_commune', code: 'invalid-field', severity: 'error',
      detail: 'code_commune is empty; expected a value',
    }]);
    // The gateway checks records against the schemas; the key of 7200009A is not valid (its letter should be X):
    // that problem is the gateway's to report, with this position.
    expect(validateRecord('establishment', records[0])).toEqual([]);
    expect(validateRecord('establishment', records[1])).toEqual([]);
    expect(validateRecord('establishment', records[2]).map((p) => p.pointer)).toEqual(['/uai']);
  });

  it('reads the JSON exports: a plain array, and the API shape with records[].fields', async () => {
    const entry = {
      identifiant_de_l_etablissement: '0050009H', nom_etablissement: 'Lycée professionnel Sévigné', type_etablissement: 'Lycée',
      statut_public_prive: 'Public', code_commune: '05061', nom_commune: 'Gap', code_departement: '05', code_region: '93',
      code_academie: '02', libelle_nature: 'LYCEE PROFESSIONNEL', etat: 'OUVERT', position: [44.56, 6.07], nombre_d_eleves: 451,
    };
    const plainArray = await parse(Buffer.from(JSON.stringify([entry, { ...entry, identifiant_de_l_etablissement: '0691234S', code_departement: '069', code_academie: '10' }])), 'export.json');
    expect(plainArray.map((i) => i.kind === 'record' && i.record.uai)).toEqual(['0050009H', '0691234S']);
    const api = await parse(Buffer.from(JSON.stringify({ nhits: 1, parameters: { q: '0050009H' }, records: [{ datasetid: 'x', fields: entry }] })), 'api.json');
    expect(api).toHaveLength(1);
    expect(api[0]).toMatchObject({ kind: 'record', record: { uai: '0050009H', type: 'lycee-pro' }, position: { file: 'api.json#1' } });
  });

  it('takes an element that is no object (null, a number) for an entry without fields, rather than failing', async () => {
    const items = await parse(Buffer.from('[null, 3]'), 'odd.json');
    expect(items).toEqual([{ kind: 'problem', problem: expect.objectContaining({ file: 'odd.json', code: 'not-a-school', detail: expect.stringMatching(/^2 entries/) }) }]);
  });

  it('stops on a file it cannot read, naming it', async () => {
    await expect(parse(Buffer.from('Nom;Ville\nx;y\n'), 'wrong.csv')).rejects.toBeInstanceOf(FileProblem);
    await expect(parse(Buffer.from('[{"a": 1}, {"b":'), 'cut.json')).rejects.toThrow(/cut\.json:1: the JSON cannot be read/);
  });
});

describe('what the directory lists besides schools, and its older export', () => {
  it('skips the entries that are not schools (no public/private status) with one warning that counts them', async () => {
    const lines = [
      header,
      '0691234S;Collège Saint-Exupéry;Collège;Privé;69123;Lyon;069;84;10;COLLEGE;OUVERT',
      '0690001A;Direction des services départementaux;Service Administratif;;69123;Lyon;069;84;10;SERVICE ADMINISTRATIF;OUVERT',
      '0690002B;Circonscription Lyon 1;Service Administratif;;69123;Lyon;069;84;10;INSPECTION EDUCATION NATIONALE;OUVERT',
      '0690003C;CIO Lyon Centre;Information et orientation;;69123;Lyon;069;84;10;CENTRE D INFORMATION ET D ORIENTATION;OUVERT',
    ].join('\n');
    const items = await parse(Buffer.from(lines), 'annuaire-069.csv');
    expect(items.filter((i) => i.kind === 'record').map((i) => i.kind === 'record' && i.record.uai)).toEqual(['0691234S']);
    expect(items.filter((i) => i.kind === 'problem').map((i) => i.kind === 'problem' && i.problem)).toEqual([{
      file: 'annuaire-069.csv', code: 'not-a-school', severity: 'warning',
      detail: '3 entries are not a school (administrative services, circonscriptions, information centres: no public/private status) and were skipped',
    }]);
  });

  it('a school without its public/private status is still an error naming the field', async () => {
    const items = await parse(Buffer.from([header, '0691234S;Collège Saint-Exupéry;Collège;;69123;Lyon;069;84;10;COLLEGE;OUVERT'].join('\n')), 'a.csv');
    expect(items).toEqual([{ kind: 'problem', problem: expect.objectContaining({ line: 2, field: 'statut_public_prive', severity: 'error' }) }]);
  });

  it('reads the older export, whose columns were numero_uai, appellation_officielle, secteur_public_prive_libe…', async () => {
    const older = [
      'numero_uai;appellation_officielle;secteur_public_prive_libe;code_commune;libelle_commune;code_departement;code_region;code_academie;nature_uai;nature_uai_libe;etat_etablissement_libe',
      '0050009H;Lycée professionnel Sévigné;Public;05061;Gap;005;93;02;320;LYCEE PROFESSIONNEL;OUVERT',
      "0691234S;École élémentaire Jean Macé;Privé;69123;Lyon;069;84;10;151;ECOLE DE NIVEAU ELEMENTAIRE;OUVERT",
      '0751234J;Collège fermé;Public;75056;Paris;075;11;01;340;COLLEGE;FERME',
    ].join('\r\n');
    const items = await parse(Buffer.from(older), 'fr-en-adresse-et-geolocalisation.csv');
    expect(items.map((i) => i.kind)).toEqual(['record', 'record']);
    const records = items.map((i) => (i as { record: Record<string, unknown> }).record);
    expect(records[0]).toEqual({
      uai: '0050009H', sourceIds: { annuaire: '0050009H' }, name: 'Lycée professionnel Sévigné', type: 'lycee-pro', sector: 'public',
      communeCode: '05061', departementCode: '005', regionCode: '93', academieCode: '02', communeName: 'Gap', holidayZone: 'B',
    });
    expect(records[1]).toMatchObject({ uai: '0691234S', name: 'École élémentaire Jean Macé', type: 'ecole', sector: 'private', communeName: 'Lyon' });
    const json = await parse(Buffer.from(JSON.stringify([{
      numero_uai: '0050009H', appellation_officielle: 'Lycée professionnel Sévigné', secteur_public_prive_libe: 'Public', code_commune: '05061',
      code_departement: '005', code_region: '93', code_academie: '02', nature_uai_libe: 'LYCEE PROFESSIONNEL', etat_etablissement_libe: 'OUVERT',
    }])), 'older.json');
    expect(json).toEqual([expect.objectContaining({ kind: 'record', record: expect.objectContaining({ uai: '0050009H', type: 'lycee-pro' }) })]);
  });
});
