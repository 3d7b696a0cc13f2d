// A structure check of GAR-ENT files, written by hand from GAR-ENT.xsd (v1.7) and GAR-ENT-1D.xsd (v1.4): the
// root elements and their identity keys, every complex type's sequence (order, minOccurs, maxOccurs, an
// extension's elements after its base's), the maxLength of each simple type, xs:date, and the values the
// schemas' documentation lists for GARGroupeStatut and GARPersonProfil. Tests validate every file the writer
// produces against it; the XSDs themselves are never read by tests.
import { readXmlElements, type XmlElement } from '../../connectors/kit/xml.js';

export type Degree = '1D' | '2D';

interface Particle {
  name: string;
  min: number;
  max: number;
  /** A complex type's name, or a simple content: its maxLength, or 'date'. */
  type: string | number | 'date';
}

interface Key {
  selector: string;
  fields: string[];
}

interface SchemaModel {
  namespace: string;
  types: Record<string, Particle[]>;
  roots: Record<string, { children: Particle[]; keys: Key[] }>;
}

const N = Number.POSITIVE_INFINITY;
const one = (name: string, type: Particle['type']): Particle => ({ name, min: 1, max: 1, type });
const opt = (name: string, type: Particle['type']): Particle => ({ name, min: 0, max: 1, type });
const many = (name: string, type: Particle['type'], min = 0): Particle => ({ name, min, max: N, type });

// Simple types, by their maxLength.
const UAI = 45;
const PERSON_ID = 64;
const CODE = 255;
const NAME = 500;

const identite: Particle[] = [
  one('GARPersonIdentifiant', PERSON_ID), many('GARPersonProfils', 'GARPersonProfils', 1), opt('GARPersonIdSecondaire', 255),
  opt('GARPersonNomPatro', NAME), one('GARPersonNom', NAME), one('GARPersonPrenom', NAME), many('GARPersonAutresPrenoms', NAME, 1),
  opt('GARPersonCivilite', 30), opt('GARPersonStructRattach', UAI),
];
const personTriple = (code: Particle): Particle[] => [one('GARStructureUAI', UAI), one('GARPersonIdentifiant', PERSON_ID), code];
const groupSubjects = [one('GARStructureUAI', UAI), one('GARPersonIdentifiant', PERSON_ID), one('GARGroupeCode', CODE), many('GARMatiereCode', CODE, 1)];
const key = (selector: string, ...fields: string[]): Key => ({ selector, fields });

const shared: Record<string, Particle[]> = {
  GARPersonProfils: [one('GARStructureUAI', UAI), one('GARPersonProfil', 31)],
  GAREleve: [...identite, many('GARPersonEtab', UAI, 1), opt('GARPersonDateNaissance', 'date')],
  GARRespAff: [one('GARPersonIdentifiant', PERSON_ID), one('GARPersonNom', NAME), one('GARPersonPrenom', NAME), opt('GARPersonCivilite', 30), many('GARPersonMail', 255, 1), many('GARRespAffEtab', UAI, 1)],
  GARGroupe: [one('GARGroupeCode', CODE), one('GARStructureUAI', UAI), one('GARGroupeLibelle', 255), one('GARGroupeStatut', 31), many('GARGroupeDivAppartenance', CODE)],
  GARPersonGroupe: personTriple(one('GARGroupeCode', CODE)),
};
const respAffRoot = { children: [many('GARRespAff', 'GARRespAff')], keys: [key('GARRespAff', 'GARPersonIdentifiant')] };

export const GAR_SCHEMAS: Record<Degree, SchemaModel> = {
  '2D': {
    namespace: 'http://data.education.fr/ns/gar',
    types: {
      ...shared,
      GAREnseignant: [...identite, many('GARPersonEtab', UAI, 1), opt('GARPersonDateNaissance', 'date'), many('GAREnsDisciplinesPostes', 'GAREnsDisciplinesPostes'), many('GARPersonMail', 255)],
      GAREnsDisciplinesPostes: [one('GARStructureUAI', UAI), many('GAREnsDisciplinePosteCode', CODE, 1)],
      GARPersonMEF: personTriple(one('GARMEFCode', CODE)),
      GAREleveEnseignement: personTriple(one('GARMatiereCode', CODE)),
      GAREtab: [one('GARStructureUAI', UAI), one('GARStructureNomCourant', NAME), opt('GAREtablissementStructRattachFctl', 255), opt('GARStructureContrat', 45), opt('GARStructureTelephone', 20), opt('GARStructureEmail', 255)],
      GARMEF: [one('GARStructureUAI', UAI), one('GARMEFCode', CODE), one('GARMEFLibelle', 255), opt('GARMEFRattach', CODE), opt('GARMEFSTAT11', 255)],
      GARMatiere: [one('GARStructureUAI', UAI), one('GARMatiereCode', CODE), one('GARMatiereLibelle', 255)],
      GAREnsGroupeMatiere: groupSubjects,
      GAREnsClasseMatiere: groupSubjects,
    },
    roots: {
      'GAR-ENT-Eleve': {
        children: [many('GAREleve', 'GAREleve'), many('GARPersonMEF', 'GARPersonMEF'), many('GAREleveEnseignement', 'GAREleveEnseignement')],
        keys: [key('GAREleve', 'GARPersonIdentifiant'), key('GARPersonMEF', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARMEFCode'), key('GAREleveEnseignement', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARMatiereCode')],
      },
      'GAR-ENT-Enseignant': {
        children: [many('GAREnseignant', 'GAREnseignant'), many('GARPersonMEF', 'GARPersonMEF')],
        keys: [key('GAREnseignant', 'GARPersonIdentifiant'), key('GARPersonMEF', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARMEFCode')],
      },
      'GAR-ENT-RespAff': respAffRoot,
      'GAR-ENT-Etab': {
        children: [many('GAREtab', 'GAREtab'), many('GARMEF', 'GARMEF'), many('GARMatiere', 'GARMatiere')],
        keys: [key('GAREtab', 'GARStructureUAI'), key('GARMEF', 'GARStructureUAI', 'GARMEFCode'), key('GARMatiere', 'GARStructureUAI', 'GARMatiereCode')],
      },
      'GAR-ENT-Groupe': {
        children: [many('GARGroupe', 'GARGroupe'), many('GARPersonGroupe', 'GARPersonGroupe'), many('GAREnsGroupeMatiere', 'GAREnsGroupeMatiere'), many('GAREnsClasseMatiere', 'GAREnsClasseMatiere')],
        keys: [
          key('GARGroupe', 'GARGroupeCode', 'GARStructureUAI'), key('GARPersonGroupe', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARGroupeCode'),
          key('GAREnsGroupeMatiere', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARGroupeCode'), key('GAREnsClasseMatiere', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARGroupeCode'),
        ],
      },
    },
  },
  '1D': {
    namespace: 'http://data.education.fr/ns/gar/1d',
    types: {
      ...shared,
      GAREnseignant: [...identite, many('GARPersonEtab', UAI, 1), opt('GARPersonDateNaissance', 'date'), many('GAREnsSpecialitesPostes', 'GAREnsSpecialitesPostes')],
      GAREnsSpecialitesPostes: [one('GARStructureUAI', UAI), many('GAREnsSpecialitePosteCode', CODE, 1)],
      GARPersonMEFSTAT4: personTriple(one('GARMEFSTAT4Code', 4)),
      GAREtab: [one('GARStructureUAI', UAI), one('GARStructureNomCourant', NAME), opt('GARStructureContrat', 45), opt('GARStructureTelephone', 20), opt('GARStructureEmail', 255)],
    },
    roots: {
      'GAR-ENT-Eleve': {
        children: [many('GAREleve', 'GAREleve'), many('GARPersonMEFSTAT4', 'GARPersonMEFSTAT4')],
        keys: [key('GAREleve', 'GARPersonIdentifiant'), key('GARPersonMEFSTAT4', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARMEFSTAT4Code')],
      },
      'GAR-ENT-Enseignant': {
        children: [many('GAREnseignant', 'GAREnseignant'), many('GARPersonMEFSTAT4', 'GARPersonMEFSTAT4')],
        keys: [key('GAREnseignant', 'GARPersonIdentifiant'), key('GARPersonMEFSTAT4', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARMEFSTAT4Code')],
      },
      'GAR-ENT-RespAff': respAffRoot,
      'GAR-ENT-Etab': { children: [many('GAREtab', 'GAREtab')], keys: [key('GAREtab', 'GARStructureUAI')] },
      'GAR-ENT-Groupe': {
        children: [many('GARGroupe', 'GARGroupe'), many('GARPersonGroupe', 'GARPersonGroupe')],
        keys: [key('GARGroupe', 'GARGroupeCode', 'GARStructureUAI'), key('GARPersonGroupe', 'GARStructureUAI', 'GARPersonIdentifiant', 'GARGroupeCode')],
      },
    },
  },
};

// Values named in the schemas' documentation (the types themselves are free strings of 31 characters).
const VALUES: Record<string, readonly string[]> = {
  GARGroupeStatut: ['DIVISION', 'GROUPE'],
  GARPersonProfil: ['National_elv', 'National_ens', 'National_doc', 'National_dir', 'National_evs', 'National_eta', 'National_col'],
};

const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** Every way `root` departs from the schema of `degree`, as `path: what` lines; empty when it conforms. */
export function checkGarDocument(root: XmlElement, degree: Degree): string[] {
  const schema = GAR_SCHEMAS[degree];
  const errors: string[] = [];
  const prefix = Object.entries(root.attributes).find(([name, value]) => name.startsWith('xmlns:') && value === schema.namespace)?.[0].slice('xmlns:'.length);
  if (!prefix) return [`${root.name}: no xmlns:<prefix> declares ${schema.namespace}`];
  const local = (element: XmlElement): string | undefined => (element.name.startsWith(`${prefix}:`) ? element.name.slice(prefix.length + 1) : undefined);

  const rootName = local(root);
  const rootModel = rootName ? schema.roots[rootName] : undefined;
  if (!rootName || !rootModel) return [`${root.name}: not a root element of the ${degree} schema`];
  if (!('Version' in root.attributes)) errors.push(`${rootName}: the required attribute Version is missing`);

  const checkSequence = (element: XmlElement, particles: Particle[], path: string): void => {
    let at = 0;
    for (const particle of particles) {
      let count = 0;
      while (at < element.children.length && local(element.children[at]) === particle.name) {
        checkContent(element.children[at], particle, `${path}/${particle.name}[${count}]`);
        count += 1;
        at += 1;
      }
      if (count < particle.min) errors.push(`${path}: ${particle.name} occurs ${count} times, at least ${particle.min} required here`);
      if (count > particle.max) errors.push(`${path}: ${particle.name} occurs ${count} times, at most ${particle.max} allowed`);
    }
    if (at < element.children.length) errors.push(`${path}: ${element.children[at].name} (line ${element.children[at].line}) is out of order or not allowed here`);
  };

  const checkContent = (element: XmlElement, particle: Particle, path: string): void => {
    if (typeof particle.type === 'string' && particle.type !== 'date') {
      if (element.text) errors.push(`${path}: text in an element of complex type ${particle.type}`);
      checkSequence(element, schema.types[particle.type], path);
      return;
    }
    if (element.children.length > 0) errors.push(`${path}: child elements in an element of simple type`);
    if (!element.text) errors.push(`${path}: empty`);
    if (particle.type === 'date' && !ISO_DATE.test(element.text)) errors.push(`${path}: ${JSON.stringify(element.text)} is not an xs:date`);
    if (typeof particle.type === 'number' && [...element.text].length > particle.type) errors.push(`${path}: ${[...element.text].length} characters, maxLength ${particle.type}`);
    const values = VALUES[particle.name];
    if (values && !values.includes(element.text)) errors.push(`${path}: ${JSON.stringify(element.text)} is none of ${values.join(', ')}`);
  };

  checkSequence(root, rootModel.children, rootName);
  for (const { selector, fields } of rootModel.keys) {
    const seen = new Set<string>();
    for (const entry of root.children.filter((child) => local(child) === selector)) {
      const value = fields.map((field) => entry.children.find((child) => local(child) === field)?.text ?? '').join(' | ');
      if (seen.has(value)) errors.push(`${rootName}: key of ${selector} (${fields.join(', ')}) repeats: ${value}`);
      seen.add(value);
    }
  }
  return errors;
}

/** The root element of an XML document, as one tree. */
export async function readXmlRoot(bytes: Buffer | string, file: string): Promise<XmlElement> {
  const source = (async function* () {
    yield typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  })();
  for await (const element of readXmlElements(source, { file, select: (_name, ancestors) => ancestors.length === 0 })) return element;
  throw new Error(`${file}: no root element`);
}

/** The text of the children named `name` (with any prefix) of an element. */
export function childTexts(element: XmlElement, name: string): string[] {
  return element.children.filter((child) => child.name.replace(/^[^:]*:/, '') === name).map((child) => child.text);
}
