// An AAF-style complete delivery of a whole académie, invented but shaped like the real files (one request per
// person, second-degree attributes, `$` sub-fields, numbered chunks), with pupils in no establishment order.
import fs from 'node:fs';
import path from 'node:path';
import { ineWithKey, uaiWithKey } from '../../gateway/model/identifiers.js';

export interface AcademieSize {
  people: number;
  establishments: number;
  groups: number;
}

export interface GeneratedDelivery {
  folder: string;
  uais: string[];
  files: string[];
  bytes: number;
}

const PER_FILE = 20_000;
const FAMILY_NAMES = ['MARTIN', 'BERNARD', 'DUBOIS', 'THOMAS', 'ROBERT', 'RICHARD', 'PETIT', 'DURAND', 'LEROY', 'MOREAU', 'SIMON', 'LAURENT', 'LEFÈVRE', 'MICHEL', 'GARCIA', 'FAURE', 'ROUSSEAU', 'BLANC', 'GUÉRIN', 'MULLER'];
const GIVEN_NAMES = ['Léa', 'Hugo', 'Chloé', 'Louis', 'Emma', 'Gabriel', 'Jade', 'Raphaël', 'Zoé', 'Noé', 'Inès', 'Jules', 'Manon', 'Adam', 'Élise', 'Théo'];
const MEFS: [string, string][] = [['10010012110', '6EME'], ['10110001110', '5EME'], ['10210001110', '4EME'], ['10310019110', '3EME'], ['20010018110', '2NDE GENERALE ET TECHNO'], ['20110019110', '1ERE GENERALE'], ['20212019110', 'TERMINALE GENERALE'], ['24132100210', '1CAP2 CUISINE']];
const SUBJECTS: [string, string][] = [['020700', 'FRANCAIS'], ['061300', 'MATHEMATIQUES'], ['030201', 'ANGLAIS LV1'], ['030602', 'ESPAGNOL LV2'], ['040300', 'HISTOIRE-GEOGRAPHIE'], ['100100', 'EDUCATION PHYSIQUE ET SPORTIVE'], ['062900', 'SCIENCES DE LA VIE ET DE LA TERRE'], ['062100', 'PHYSIQUE-CHIMIE'], ['070200', 'TECHNOLOGIE'], ['080100', 'ARTS PLASTIQUES'], ['080500', 'EDUCATION MUSICALE'], ['006600', 'ACCOMPAGNEMENT PERSONNALISE']];

const attr = (name: string, ...values: string[]) => `<attr name="${name}">${values.length ? values.map((v) => `<value>${v}</value>`).join('') : '<value/>'}</attr>\n`;
const add = (kindAttr: string, category: string, id: string, attributes: string) =>
  `<addRequest>\n<operationalAttributes>${attr(kindAttr, category).trim()}</operationalAttributes>\n<identifier><id>${id}</id></identifier>\n<attributes>\n${attributes}</attributes>\n</addRequest>\n\n`;

/** A deterministic generator: the same size gives the same files. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

class ChunkedWriter {
  private part = 0;
  private inPart = 0;
  private stream?: fs.WriteStream;
  readonly files: string[] = [];
  bytes = 0;

  constructor(private readonly folder: string, private readonly category: string) {}

  async write(request: string): Promise<void> {
    if (!this.stream || this.inPart === PER_FILE) await this.next();
    this.inPart += 1;
    this.bytes += Buffer.byteLength(request);
    if (!this.stream!.write(request)) await new Promise<void>((resolve) => this.stream!.once('drain', () => resolve()));
  }

  private async next(): Promise<void> {
    await this.end();
    const file = path.join(this.folder, `BENCH_Complet_20261123_${this.category}_${String(this.part).padStart(4, '0')}.xml`);
    this.part += 1;
    this.inPart = 0;
    this.files.push(file);
    this.stream = fs.createWriteStream(file);
    this.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n<ficAlimMENESR>\n<!-- versionAF="AAF-VE1301" -->\n\n');
  }

  async end(): Promise<void> {
    if (!this.stream) return;
    const stream = this.stream;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => stream.once('error', reject).end('</ficAlimMENESR>\n', () => resolve()));
  }
}

export async function generateDelivery(folder: string, size: AcademieSize): Promise<GeneratedDelivery> {
  const rand = random(7);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const pupils = Math.round(size.people * 0.53);
  const guardians = Math.round(size.people * 0.42);
  const staff = size.people - pupils - guardians;
  const structures = Array.from({ length: size.establishments }, (_, i) => String(50000 + i));
  const uais = structures.map((_, i) => uaiWithKey(String(6900000 + i)));
  const divisionsPer = Math.max(1, Math.floor((size.groups * 0.8) / size.establishments));
  const groupsPer = Math.max(1, Math.floor(size.groups / size.establishments) - divisionsPer);

  const etab = new ChunkedWriter(folder, 'EtabEducNat');
  for (const [i, structure] of structures.entries()) {
    await etab.write(add('categorieStructure', 'EtabEducNat', structure, attr('ENTStructureJointure', structure) + attr('ENTStructureUAI', uais[i]) +
      attr('ENTEtablissementUAI', uais[i]) + attr('ENTStructureNomCourant', `COLLEGE ${pick(FAMILY_NAMES)} ${i}`) + attr('ENTStructureTypeStruct', 'CLG') +
      attr('ENTEtablissementContrat', 'PU') + attr('postalCode', '69000') + attr('l', 'LYON') + attr('ENTServAcAcademie', 'LYON')));
  }
  const matieres = new ChunkedWriter(folder, 'MatiereEducNat');
  for (const [code, label] of SUBJECTS) await matieres.write(add('categorieMatiere', 'MatEducNat', code, attr('ENTMatJointure', code) + attr('ENTLibelleMatiere', label)));
  const mefs = new ChunkedWriter(folder, 'MefEducNat');
  for (const [code, label] of MEFS) await mefs.write(add('categorieMef', 'MefEducNat', code, attr('ENTMefJointure', code) + attr('ENTLibelleMef', label) + attr('ENTMEFRattach', code) + attr('ENTMEFSTAT11', code)));

  // Pupils, in no establishment order; two guardians each, families of one or two children.
  const eleves = new ChunkedWriter(folder, 'Eleve');
  for (let i = 0; i < pupils; i += 1) {
    const s = Math.floor(rand() * size.establishments);
    const structure = structures[s];
    const division = Math.floor(rand() * divisionsPer);
    const [mef, mefLabel] = MEFS[division % MEFS.length];
    const g1 = Math.floor((i * guardians) / pupils / 2) * 2;
    const id = String(2_000_000 + i);
    await eleves.write(add('categoriePersonne', 'Eleve', id,
      attr('ENTPersonJointure', id) + attr('ENTEleveINE', ineWithKey(String(1_018_000_000 + i))) + attr('ENTEleveStructRattachId', String(800_000 + i)) +
      attr('ENTPersonDateNaissance', `${String(1 + (i % 28)).padStart(2, '0')}/${String(1 + (i % 12)).padStart(2, '0')}/${2008 + (i % 10)}`) +
      attr('ENTPersonNomPatro', pick(FAMILY_NAMES)) + attr('sn', pick(FAMILY_NAMES)) + attr('givenName', pick(GIVEN_NAMES)) + attr('ENTPersonAutresPrenoms', pick(GIVEN_NAMES)) +
      attr('personalTitle', rand() < 0.5 ? 'M.' : 'Mme') +
      attr('ENTElevePersRelEleve', `${3_000_000 + g1}$10$1$1$1$1`, `${3_000_000 + Math.min(g1 + 1, guardians - 1)}$20$0$1$0$0`) +
      attr('ENTEleveBoursier', 'N') + attr('ENTEleveRegime', 'DEMI-PENSIONNAIRE DANS L\'ETABLISSEMENT') + attr('ENTEleveTransport', 'N') + attr('ENTEleveStatutEleve', 'SCOLAIRE') +
      attr('ENTEleveMEF', mef) + attr('ENTEleveLibelleMEF', mefLabel) + attr('ENTEleveNivFormation', mefLabel) +
      attr('ENTEleveCodeEnseignements', ...SUBJECTS.slice(0, 6).map(([code]) => code)) +
      attr('ENTPersonStructRattach', structure) + attr('ENTEleveClasses', `${structure}$${division + 1}A`) +
      attr('ENTEleveGroupes', ...(rand() < 0.5 ? [`${structure}$G${1 + Math.floor(rand() * groupsPer)}`] : [])),
    ));
  }
  const relatives = new ChunkedWriter(folder, 'PersRelEleve');
  for (let i = 0; i < guardians; i += 1) {
    const id = String(3_000_000 + i);
    await relatives.write(add('categoriePersonne', 'PersRelEleve', id,
      attr('ENTPersonJointure', id) + attr('sn', pick(FAMILY_NAMES)) + attr('givenName', pick(GIVEN_NAMES)) + attr('personalTitle', 'Mme') +
      attr('homePhone', '0400000000') + attr('mail', `parent${i}@example.org`) + attr('ENTPersonAdresse', '1 RUE DE LA REPUBLIQUE$$$') +
      attr('ENTPersonCodePostal', '69001') + attr('ENTPersonVille', 'LYON') + attr('ENTPersonPays', 'FRANCE')));
  }
  const personnel = new ChunkedWriter(folder, 'PersEducNat');
  for (let i = 0; i < staff; i += 1) {
    const id = String(4_000_000 + i);
    const structure = structures[i % size.establishments];
    const teacher = i % 5 !== 0;
    const classes = teacher ? Array.from({ length: 3 }, () => `${structure}$${1 + Math.floor(rand() * divisionsPer)}A`) : [];
    await personnel.write(add('categoriePersonne', 'PersEducNat', id,
      attr('ENTPersonJointure', id) + attr('ENTPersonDateNaissance', '07/08/1975') + attr('sn', pick(FAMILY_NAMES)) + attr('givenName', pick(GIVEN_NAMES)) +
      attr('personalTitle', 'M.') + attr('mail', `agent${i}@ac-bench.fr`) + attr('ENTPersonStructRattach', structure) +
      attr('ENTPersonFonctions', `${structure}$${teacher ? 'ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES' : 'ADM$ADMINISTRATION$$'}`) +
      attr('PersEducNatPresenceDevantEleves', teacher ? 'O' : 'N') + attr('ENTAuxEnsClasses', ...classes) +
      attr('ENTAuxEnsClassesMatieres', ...classes.map((c) => `${c}$061300`))));
  }
  const writers = [etab, matieres, mefs, eleves, relatives, personnel];
  for (const writer of writers) await writer.end();
  return { folder, uais, files: writers.flatMap((w) => w.files), bytes: writers.reduce((sum, w) => sum + w.bytes, 0) };
}
