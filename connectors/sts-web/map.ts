// STS-Web elements → canonical records and what they refer to, one element at a time; parse.ts keeps what
// links them (MEF levels, the people a service names). Source ids (`sts-web`): MATIERE CODE for subjects,
// INDIVIDU ID for people (INDIVIDU and ENSEIGNANT both give ID and TYPE: an individual not of type epp is
// `<type>:<ID>`, so that the IDs of two types never meet), DIVISION or GROUPE CODE for classes and groups.
import { isoDate } from '../kit/date.js';
import type { CanonicalOperation } from '../kit/operation.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { childText, type XmlElement } from '../kit/xml.js';
import { normaliseLevel, type Level } from '../kit/levels.js';

export const SOURCE = 'sts-web';

/** A record, or the problem that keeps it out; warnings about a record that is kept come with it. */
export type Mapped<T> = { value?: T; problems: ConnectorProblem[] };

const invalid = (position: SourcePosition, field: string, detail: string, severity: 'error' | 'warning' = 'error'): ConnectorProblem =>
  ({ ...position, field, code: 'invalid-field', severity, detail });

const text = (element: XmlElement, name: string): string | undefined => childText(element, name)?.replace(/\s+/g, ' ') || undefined;

const positionOf = (file: string, element: XmlElement): SourcePosition => ({ file, line: element.line });

/** A subject from NOMENCLATURES/MATIERES/MATIERE; named by its edition label, the one in mixed case. */
export function subjectOf(matiere: XmlElement, file: string): Mapped<CanonicalOperation> {
  const position = positionOf(file, matiere);
  const code = matiere.attributes.CODE?.trim();
  if (!code) return { problems: [invalid(position, 'CODE', 'MATIERE has no CODE; expected the subject\'s national code (6 digits)')] };
  const name = text(matiere, 'LIBELLE_EDITION') ?? text(matiere, 'LIBELLE_LONG') ?? text(matiere, 'LIBELLE_COURT') ?? text(matiere, 'CODE_GESTION');
  return {
    value: { entity: 'subject', record: { code, name: name ?? code, sourceIds: { [SOURCE]: code } }, position },
    problems: name ? [] : [invalid(position, 'LIBELLE_LONG', `MATIERE ${code} has no label (LIBELLE_EDITION, LIBELLE_LONG, LIBELLE_COURT or CODE_GESTION); named by its code`, 'warning')],
  };
}

/**
 * The level a MEF (NOMENCLATURES/MEFS/MEF) stands for on the normalised vocabulary: its code's, else its
 * labels' (`3EME`, `2NDE GT`). MEFs are not records of their own: they give classes and groups their level and MEF.
 */
export function levelOfMef(mef: XmlElement): Level | undefined {
  return [mef.attributes.CODE, ...['FORMATION', 'LIBELLE_COURT', 'LIBELLE_EDITION', 'LIBELLE_LONG'].map((name) => text(mef, name))]
    .map((value) => (value ? normaliseLevel(value) : undefined))
    .find((level) => level !== undefined);
}

/** A MEF's label for the GAR: its longest kind first (`3EME GENERALE`), as the nomenclature gives it. */
export function labelOfMef(mef: XmlElement): string | undefined {
  return ['LIBELLE_LONG', 'LIBELLE_EDITION', 'LIBELLE_COURT', 'FORMATION'].map((name) => text(mef, name)).find((label) => label !== undefined);
}

/** The source id of an individual, as INDIVIDU and ENSEIGNANT both give it (ID and TYPE). */
export function individualId(element: XmlElement): string | undefined {
  const id = element.attributes.ID?.trim();
  const type = element.attributes.TYPE?.trim().toLowerCase();
  if (!id) return undefined;
  return type && type !== 'epp' ? `${type}:${id}` : id;
}

/**
 * A teacher or staff member from DONNEES/INDIVIDUS/INDIVIDU. Teachers are FONCTION ENS, and DOC
 * (documentalistes teach, as the AAF connector also holds); an individual without FONCTION is a teacher when it
 * has DISCIPLINES; everyone else is staff.
 */
export function personOf(individu: XmlElement, file: string): Mapped<CanonicalOperation> {
  const position = positionOf(file, individu);
  const id = individualId(individu);
  if (!id) return { problems: [invalid(position, 'ID', 'INDIVIDU has no ID; expected the individual\'s STS-Web identifier')] };
  const familyName = text(individu, 'NOM_USAGE') ?? text(individu, 'NOM_PATRONYMIQUE');
  const givenName = text(individu, 'PRENOM');
  if (!familyName) return { problems: [{ ...invalid(position, 'NOM_USAGE', `INDIVIDU ${id} has no name; expected NOM_USAGE or NOM_PATRONYMIQUE`), sourceId: id }] };
  if (!givenName) return { problems: [{ ...invalid(position, 'PRENOM', `INDIVIDU ${id} has no PRENOM; expected a given name`), sourceId: id }] };

  const fonction = text(individu, 'FONCTION')?.toUpperCase();
  const functions = fonction && fonction.length <= 20 ? [{ code: fonction }] : [];
  const hasDisciplines = individu.children.some((child) => child.name === 'DISCIPLINES' && child.children.length > 0);
  const teaches = fonction === undefined ? hasDisciplines : fonction === 'ENS' || fonction === 'DOC';
  const birthText = text(individu, 'DATE_NAISSANCE');
  const birthDate = birthText ? isoDate(birthText) : undefined;
  return {
    value: {
      entity: 'person',
      record: { kind: teaches ? 'teacher' : 'staff', familyName, givenName, ...(birthDate ? { birthDate } : {}), ...(functions.length ? { functions } : {}), sourceIds: { [SOURCE]: id } },
      position,
    },
    problems: birthText && !birthDate
      ? [invalid(position, 'DATE_NAISSANCE', `DATE_NAISSANCE of INDIVIDU ${id} is "${birthText}"; expected a date as YYYY-MM-DD; left out`, 'warning')]
      : [],
  };
}

/** A person a service names (SERVICES/SERVICE/ENSEIGNANTS/ENSEIGNANT), where the file names it. */
export interface ServiceTeacher {
  /** The individual's source id; undefined when the ENSEIGNANT has no ID. */
  id?: string;
  line: number;
  /** The subject (MATIERE code) of the service that names it. */
  subject?: string;
}

/** A class or group from DONNEES/STRUCTURE, with what it refers to by code. */
export interface Structure {
  code: string;
  name: string;
  /** MEFS_APPARTENANCE codes, with their lines. */
  mefs: { code: string; line: number }[];
  /** For a group: the classes it draws its pupils from (DIVISIONS_APPARTENANCE). */
  divisions: { code: string; line: number }[];
  /** Everyone the services name, with the subject of each service: a membership says who teaches a group, and what. */
  teachers: ServiceTeacher[];
}

const grandchildren = (element: XmlElement, list: string, item: string): XmlElement[] =>
  element.children.filter((c) => c.name === list).flatMap((c) => c.children.filter((g) => g.name === item));

/** A DIVISION or GROUPE: its code, label, MEFs, divisions and the teachers of its services. */
export function structureOf(element: XmlElement, file: string): Mapped<Structure> {
  const code = element.attributes.CODE?.trim();
  if (!code) return { problems: [invalid(positionOf(file, element), 'CODE', `${element.name} has no CODE; expected the code of the ${element.name === 'DIVISION' ? 'class' : 'group'}`)] };
  // STS-Web gives the MEF as an attribute; exports rewritten by other tools carry SIECLE's CODE_MEF child or a bare MEF.
  const mefs = element.children.filter((c) => c.name === 'MEFS_APPARTENANCE').flatMap((list) => list.children)
    .filter((mef) => mef.name === 'MEF_APPARTENANCE' || mef.name === 'MEF')
    .flatMap((mef) => {
      const mefCode = mef.attributes.CODE?.trim() || childText(mef, 'CODE_MEF');
      return mefCode ? [{ code: mefCode, line: mef.line }] : [];
    });
  const divisions = grandchildren(element, 'DIVISIONS_APPARTENANCE', 'DIVISION_APPARTENANCE')
    .flatMap((division) => (division.attributes.CODE?.trim() ? [{ code: division.attributes.CODE.trim(), line: division.line }] : []));
  const teachers = grandchildren(element, 'SERVICES', 'SERVICE').flatMap((service) => {
    const subject = service.attributes.CODE_MATIERE?.trim() || undefined;
    return grandchildren(service, 'ENSEIGNANTS', 'ENSEIGNANT').map((enseignant) => ({ id: individualId(enseignant), line: enseignant.line, ...(subject ? { subject } : {}) }));
  });
  return {
    value: { code, name: text(element, 'LIBELLE_LONG') ?? text(element, 'LIBELLE_COURT') ?? code, mefs, divisions, teachers },
    problems: [],
  };
}
