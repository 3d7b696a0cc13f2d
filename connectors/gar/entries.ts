// The top-level entries of GAR-ENT files (GAR-ENT.xsd v1.7 for the second degree, GAR-ENT-1D.xsd v1.4 for the
// first), each with its children in the order the schema's sequence requires and the schema's length limits.
// A required value that is missing or too long leaves the record out with an error; an optional one is dropped
// with a warning.
import { garProfile } from './profiles.js';
import type { GarDegree, GarEstablishment, GarGroup, GarPerson, GarProblem, GarSubject } from './records.js';
import type { GarNode } from './xml-node.js';

// The schemas' maxLength facets, by simple type.
const UAI = 45;
const PERSON_ID = 64;
const CODE = 255;
const NAME = 500;
const LABEL = 255;
const MAIL = 255;
const MEFSTAT4 = 4;

export interface Built {
  node?: GarNode;
  problems: GarProblem[];
}

/** Collects the children of one entry and the problems of its record. */
class EntryBuilder {
  readonly problems: GarProblem[] = [];
  private readonly children: GarNode[] = [];

  constructor(private readonly entity: GarProblem['entity'], private readonly id: string) {}

  required(element: string, field: string, value: string | undefined, max: number, expected: string): this {
    const text = value?.trim();
    if (!text) this.problem(field, 'missing-field', `no ${field}: GAR-ENT requires ${element} (${expected})`, 'error');
    else if (text.length > max) this.problem(field, 'too-long', `${field} has ${text.length} characters; ${element} takes at most ${max}`, 'error');
    else this.children.push({ name: element, text });
    return this;
  }

  optional(element: string, field: string, value: string | undefined, max: number): this {
    const text = value?.trim();
    if (!text) return this;
    if (text.length > max) this.problem(field, 'too-long', `${field} has ${text.length} characters; ${element} takes at most ${max}, so it is left out`, 'warning');
    else this.children.push({ name: element, text });
    return this;
  }

  child(node: GarNode): this {
    this.children.push(node);
    return this;
  }

  problem(field: string, code: string, detail: string, severity: GarProblem['severity']): void {
    this.problems.push({ entity: this.entity, id: this.id, field, code, detail, severity });
  }

  build(name: string): Built {
    return this.problems.some((p) => p.severity === 'error') ? { problems: this.problems } : { node: { name, children: this.children }, problems: this.problems };
  }
}

const leaf = (name: string, text: string): GarNode => ({ name, text });

export function etabEntry(establishment: GarEstablishment): Built {
  const entry = new EntryBuilder('establishment', establishment.uai)
    .required('GARStructureUAI', 'uai', establishment.uai, UAI, 'the UAI')
    .required('GARStructureNomCourant', 'name', establishment.name, NAME, 'the current name');
  // AAF's ENTEtablissementContrat writes PU for public establishments; private contracts come in several kinds
  // the canonical model does not tell apart, so none is written for them.
  if (establishment.sector === 'public') entry.child(leaf('GARStructureContrat', 'PU'));
  return entry.build('GAREtab');
}

export function matiereEntry(uai: string, subject: GarSubject): Built {
  return new EntryBuilder('subject', subject.id)
    .child(leaf('GARStructureUAI', uai))
    .required('GARMatiereCode', 'code', subject.code, CODE, 'the subject code')
    .required('GARMatiereLibelle', 'name', subject.name, LABEL, 'the subject name')
    .build('GARMatiere');
}

const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** GAREleve for pupils, GAREnseignant for teachers and staff: GARIdentite, then the extension's elements. */
export function personEntry(uai: string, person: GarPerson, degree: GarDegree): Built {
  const profile = garProfile(person);
  const entry = new EntryBuilder('person', person.id)
    .required('GARPersonIdentifiant', 'id', person.id, PERSON_ID, "the gateway's id of the person")
    .child({ name: 'GARPersonProfils', children: [leaf('GARStructureUAI', uai), leaf('GARPersonProfil', profile ?? '')] })
    .required('GARPersonNom', 'familyName', person.familyName, NAME, 'the family name')
    .required('GARPersonPrenom', 'givenName', person.givenName, NAME, 'the given name')
    // All given names, or failing them the usual one: the canonical model has only that one.
    .required('GARPersonAutresPrenoms', 'givenName', person.givenName, NAME, 'the given names')
    .child(leaf('GARPersonStructRattach', uai))
    .child(leaf('GARPersonEtab', uai));
  if (!profile) entry.problem('kind', 'no-profile', `a ${person.kind} has no GAR profile and no place in GAR-ENT`, 'error');
  if (person.birthDate !== undefined) {
    if (ISO_DATE.test(person.birthDate)) entry.child(leaf('GARPersonDateNaissance', person.birthDate));
    else entry.problem('birthDate', 'bad-date', `birthDate ${JSON.stringify(person.birthDate)} is not a date as YYYY-MM-DD; GARPersonDateNaissance is left out`, 'warning');
  }
  // Only the second-degree GAREnseignant has GARPersonMail.
  if (person.kind !== 'pupil' && degree === '2D') entry.optional('GARPersonMail', 'email', person.email, MAIL);
  return entry.build(person.kind === 'pupil' ? 'GAREleve' : 'GAREnseignant');
}

/** `divisions`: for a teaching group, the codes of the classes it draws from (GARGroupeDivAppartenance). */
export function groupeEntry(uai: string, group: GarGroup, divisions: readonly string[] = []): Built {
  const entry = new EntryBuilder('group', group.id)
    .required('GARGroupeCode', 'code', group.code, CODE, 'the class or group code')
    .child(leaf('GARStructureUAI', uai))
    // Sources such as AAF give a code only; the code is then the label, as ODE's connector does.
    .required('GARGroupeLibelle', 'name', group.name ?? group.code, LABEL, 'the class or group name')
    .child(leaf('GARGroupeStatut', group.kind === 'division' ? 'DIVISION' : 'GROUPE'));
  if (group.kind === 'group') for (const code of divisions) entry.child(leaf('GARGroupeDivAppartenance', code));
  return entry.build('GARGroupe');
}

export function personGroupeEntry(uai: string, personId: string, groupCode: string): GarNode {
  return { name: 'GARPersonGroupe', children: [leaf('GARStructureUAI', uai), leaf('GARPersonIdentifiant', personId), leaf('GARGroupeCode', groupCode)] };
}

/** GAREnsClasseMatiere (a class) or GAREnsGroupeMatiere (a group): the subjects (GARMatiere codes) a teacher teaches there. */
export function ensMatiereEntry(uai: string, kind: GarGroup['kind'], personId: string, groupCode: string, subjectCodes: readonly string[]): GarNode {
  return {
    name: kind === 'division' ? 'GAREnsClasseMatiere' : 'GAREnsGroupeMatiere',
    children: [leaf('GARStructureUAI', uai), leaf('GARPersonIdentifiant', personId), leaf('GARGroupeCode', groupCode), ...subjectCodes.map((code) => leaf('GARMatiereCode', code))],
  };
}

/**
 * The MEF of a class as the degree's files take it: an 11-character MEF code in the second degree, a 4-digit
 * MEFSTAT4 code in the first; the class's MEF, else its level when that is such a code.
 */
export function garMefOf(group: GarGroup, degree: GarDegree): { code: string; label: string } | undefined {
  const pattern = degree === '2D' ? /^[0-9A-Z]{11}$/ : new RegExp(`^\\d{${MEFSTAT4}}$`);
  const code = group.mef && pattern.test(group.mef.code) ? group.mef.code : [group.levelSource, group.level].find((text) => text !== undefined && pattern.test(text));
  if (code === undefined) return undefined;
  const label = [group.mef?.label, group.level].map((text) => text?.trim()).find((text) => text);
  return { code, label: label ?? code };
}

/** GARMEF: a MEF followed in the establishment, with its label (second degree only; garMefOf gives values that fit). */
export function mefEntry(uai: string, mef: { code: string; label: string }): GarNode {
  return { name: 'GARMEF', children: [leaf('GARStructureUAI', uai), leaf('GARMEFCode', mef.code), leaf('GARMEFLibelle', mef.label)] };
}

export function personMefEntry(uai: string, personId: string, code: string, degree: GarDegree): GarNode {
  return degree === '2D'
    ? { name: 'GARPersonMEF', children: [leaf('GARStructureUAI', uai), leaf('GARPersonIdentifiant', personId), leaf('GARMEFCode', code)] }
    : { name: 'GARPersonMEFSTAT4', children: [leaf('GARStructureUAI', uai), leaf('GARPersonIdentifiant', personId), leaf('GARMEFSTAT4Code', code)] };
}
