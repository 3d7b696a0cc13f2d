// AAF requests → canonical records, one request at a time, each tagged with the AAF structure (jointure) it
// belongs to: the import resolves structures to UAIs with the EtabEducNat file. Source ids are the AAF
// identifiers (`aaf`); classes and groups are identified as `structure$code`, as AAF writes them.
// Second-degree files (sn, ENTEleveClasses…) and first-degree ones (aaf1d: ENTPersonNom, ENTPersonClasses…)
// are told apart attribute by attribute, so one mapping reads both.
import { isoDate } from '../kit/date.js';
import type { CanonicalOperation } from '../kit/operation.js';
import { toMef, type Mef } from '../kit/mef.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import type { AafRequest } from './read.js';
import { establishmentTypeOf, type EstablishmentDescription } from '../annuaire/described-establishment.js';
import { academieOfName } from '../annuaire/territories.js';
import { levelFields, type Level } from '../kit/levels.js';
import { relationshipOf, type Relationship } from '../kit/relationships.js';
import { contactOf, DETAIL_ATTRIBUTES, functionsOf, subjectsByGroup, taughtSubjects, usedSubjects } from './person-details.js';
import { validEmail } from '../kit/contacts.js';

export const SOURCE = 'aaf';
/** The source of a pupil's id in its establishment's base (ENTEleveStructRattachId), the FrEduVecteur join key. */
export const SCHOOL_SOURCE = 'siecle';

export interface AafStructure {
  jointure: string;
  uai: string;
  /** The establishment as the request describes it, for the import to create or complete. */
  description: EstablishmentDescription;
}

/** `ENTEtablissementContrat`: `PU` public; private under contract (`CA`, `CS`) or not (`HC`, `PR`); others tell nothing. */
const SECTORS: Record<string, 'public' | 'private'> = { PU: 'public', PR: 'private', CA: 'private', CS: 'private', HC: 'private' };

/** An operation for the establishment of an AAF structure. */
export interface StructuredOperation {
  structure: string;
  operation: CanonicalOperation;
}

export type Mapped = { operations: StructuredOperation[]; problems: ConnectorProblem[]; subjects: { structure: string; code: string }[] };

/** What the académie-wide MefEducNat and MatiereEducNat files say, for the records that name their codes. */
export interface AafDictionaries {
  /** MEF code → its label (`ENTLibelleMef`). */
  mefs: ReadonlyMap<string, string>;
}

/**
 * Every attribute the mapping reads: the reader keeps only these (`readAafRequests`' `attributes`), as a real
 * file's requests carry many more (addresses, logins, schooling details) that would only be carried along.
 */
export const AAF_ATTRIBUTES = [
  'ENTStructureUAI', 'ENTEtablissementUAI', 'ENTStructureJointure', 'ENTStructureNomCourant', 'ENTStructureTypeStruct',
  'ENTEtablissementContrat', 'street', 'postalCode', 'l', 'ENTServAcAcademie', 'ENTServAcCodeAcademie',
  'ENTMatJointure', 'ENTLibelleMatiere', 'ENTMefJointure', 'ENTLibelleMef',
  'sn', 'ENTPersonNom', 'givenName', 'ENTPersonPrenom', 'ENTPersonDateNaissance', 'mail', 'ENTPersonMail',
  'ENTPersonStructRattach', 'ENTEleveStructRattachId', 'ENTEleveINE', 'ENTEleveMEF', 'ENTEleveLibelleMEF', 'ENTEleveNiveau', 'ENTEleveNivFormation',
  'ENTEleveClasses', 'ENTPersonClasses', 'ENTEleveGroupes', 'ENTPersonGroupes', 'ENTEleveCodeEnseignements',
  'ENTElevePersRelEleve', 'ENTEleveAutoriteParentale',
  'PersEducNatPresenceDevantEleves', 'ENTPersonCategorieEnseignant', 'ENTPersonFonctions',
  'ENTAuxEnsClasses', 'ENTAuxEnsGroupes', 'ENTAuxEnsClassesMatieres', 'ENTAuxEnsGroupesMatieres',
  ...DETAIL_ATTRIBUTES,
] as const;
type AafAttribute = (typeof AAF_ATTRIBUTES)[number];

const first = (request: AafRequest, ...names: AafAttribute[]): string | undefined => {
  for (const name of names) {
    const value = request.attributes[name]?.[0];
    if (value !== undefined) return value;
  }
  return undefined;
};
const all = (request: AafRequest, ...names: AafAttribute[]): string[] => names.flatMap((name) => request.attributes[name] ?? []);

/**
 * A person's birth date (`07/08/1967` → `1967-08-07`), with a warning when ENTPersonDateNaissance holds something
 * else: the person is kept without it.
 */
function birthDateOf(text: string | undefined, position: SourcePosition): { birthDate?: string; problems: ConnectorProblem[] } {
  if (!text) return { problems: [] };
  const birthDate = isoDate(text);
  return birthDate ? { birthDate, problems: [] } : {
    problems: [{ ...position, field: 'ENTPersonDateNaissance', code: 'invalid-field', severity: 'warning', detail: `ENTPersonDateNaissance is "${text}"; expected a date as DD/MM/YYYY; left out` }],
  };
}

export function structureOf(request: AafRequest, position: SourcePosition): AafStructure | ConnectorProblem {
  const uai = first(request, 'ENTStructureUAI', 'ENTEtablissementUAI')?.toUpperCase();
  if (!uai) return { ...position, field: 'ENTStructureUAI', code: 'invalid-field', severity: 'error', detail: 'ENTStructureUAI is empty; expected the structure\'s UAI' };
  const jointure = first(request, 'ENTStructureJointure') ?? request.id;
  const name = first(request, 'ENTStructureNomCourant')?.replace(/\$/g, ' ').trim();
  const type = establishmentTypeOf(first(request, 'ENTStructureTypeStruct'));
  const sector = SECTORS[(first(request, 'ENTEtablissementContrat') ?? '').trim().toUpperCase()];
  const postalCode = first(request, 'postalCode')?.trim();
  // Both attributes are seen with a code (`02`) or a name (`AIX-MARSEILLE`).
  const academie = all(request, 'ENTServAcCodeAcademie', 'ENTServAcAcademie').map((v) => v.trim())
    .map((v) => (/^[0-9]{1,2}$/.test(v) ? v.padStart(2, '0') : academieOfName(v))).find((code) => code !== undefined);
  const description: EstablishmentDescription = {
    uai, source: SOURCE, sourceId: jointure, position,
    ...(name ? { name } : {}), ...(type ? { type } : {}), ...(sector ? { sector } : {}),
    address: { street: first(request, 'street')?.trim(), postalCode: postalCode && /^[0-9]{5}$/.test(postalCode) ? postalCode : undefined, town: first(request, 'l')?.trim() },
    ...(academie ? { academieCode: academie } : {}),
  };
  return { jointure, uai, description };
}

/** A subject of the MatiereEducNat file (category MatEducNat): its BCN code and label. */
export function subjectOf(request: AafRequest, position: SourcePosition): { code: string; name: string } | ConnectorProblem {
  const code = first(request, 'ENTMatJointure') ?? request.id;
  const name = first(request, 'ENTLibelleMatiere');
  if (!name) return { ...position, field: 'ENTLibelleMatiere', code: 'invalid-field', severity: 'error', detail: 'ENTLibelleMatiere is empty; expected the subject\'s label', sourceId: code };
  return { code, name };
}

/** The subject record of a code in an establishment that uses it. */
export function subjectRecord(code: string, name: string, position: SourcePosition): CanonicalOperation {
  return { entity: 'subject', record: { code, name, sourceIds: { [SOURCE]: code } }, position };
}

/** A MEF of the MefEducNat file: its code and label. */
export function mefOf(request: AafRequest): { code: string; label: string } | undefined {
  const label = first(request, 'ENTLibelleMef');
  return label ? { code: first(request, 'ENTMefJointure') ?? request.id, label } : undefined;
}

function identity(request: AafRequest, position: SourcePosition): { familyName: string; givenName: string } | ConnectorProblem {
  const familyName = first(request, 'sn', 'ENTPersonNom');
  const givenName = first(request, 'givenName', 'ENTPersonPrenom');
  if (familyName && givenName) return { familyName, givenName };
  const field = familyName ? 'givenName' : 'sn';
  return { ...position, field, code: 'invalid-field', severity: 'error', detail: `${field} is empty; expected a name`, sourceId: request.id };
}

/**
 * A class or group as a person's attribute names it: `structure$code` (second degree) or
 * `structure$…$…$code$label` (first degree).
 */
function groupRef(value: string): { structure: string; code: string; name: string } | undefined {
  const parts = value.split('$');
  const [structure] = parts;
  const code = parts.length >= 5 ? parts[3] : parts[1];
  if (!structure || !code) return undefined;
  return { structure, code, name: (parts.length >= 5 && parts[4]) || code };
}

const groupSourceId = (structure: string, code: string) => `${structure}$${code}`;
const membershipSourceId = (personId: string, groupId: string) => `${personId}@${groupId}`;
const guardianLinkSourceId = (guardianId: string, pupilId: string) => `${guardianId}>${pupilId}`;

/** Where a pupil's classes are: the level it is in (normalised, and as the source said it) and, when its source names one, its MEF. */
export interface Placement {
  level?: Level;
  levelSource?: string;
  mef?: Mef;
}

/**
 * Memberships of a person in the classes and groups it lists, with the groups themselves (placed as the pupil
 * says); a teacher's name the subjects it teaches there (`subjects`: subject codes by group AAF id).
 */
export function memberships(
  values: string[], kind: 'division' | 'group', personId: string, role: 'pupil' | 'teacher', position: SourcePosition,
  placement: Placement = {}, subjects: ReadonlyMap<string, string[]> = new Map(),
): StructuredOperation[] {
  return values.flatMap((value) => {
    const ref = groupRef(value);
    if (!ref) return [];
    const groupId = groupSourceId(ref.structure, ref.code);
    const taught = subjects.get(groupId) ?? [];
    return [
      { structure: ref.structure, operation: { entity: 'group' as const, record: { kind, code: ref.code, name: ref.name, ...placement, sourceIds: { [SOURCE]: groupId } }, position } },
      {
        structure: ref.structure,
        operation: {
          entity: 'membership' as const,
          record: { role, sourceIds: { [SOURCE]: membershipSourceId(personId, groupId) } },
          links: {
            personId: { source: SOURCE, id: personId }, groupId: { source: SOURCE, id: groupId },
            ...(taught.length ? { subjectIds: taught.map((code) => ({ source: SOURCE, id: code })) } : {}),
          },
          position,
        },
      },
    ];
  });
}

/**
 * A pupil's level on the normalised vocabulary: first degree says it (`ENTEleveNiveau`, e.g. CM2); second degree
 * gives the MEF, whose code (and else its label: MefEducNat's, the pupil's `ENTEleveNivFormation` or
 * `ENTEleveLibelleMEF`) names it. `levelSource` is the first of these the pupil has; the MEF is kept with its
 * label, for the GAR. A pupil whose codes name no level keeps `levelSource`, with a warning.
 */
export function pupilPlacement(request: AafRequest, dictionaries: AafDictionaries, position: SourcePosition): { placement: Placement; problems: ConnectorProblem[] } {
  const code = first(request, 'ENTEleveMEF');
  const label = code === undefined ? undefined : (dictionaries.mefs.get(code) ?? first(request, 'ENTEleveLibelleMEF'))?.replace(/\s+/g, ' ').trim();
  const mef = toMef(code, label);
  const niveau = first(request, 'ENTEleveNiveau');
  const { fields, problems } = levelFields(niveau ? [niveau] : [code, first(request, 'ENTEleveNivFormation'), label], position, niveau ? 'ENTEleveNiveau' : 'ENTEleveMEF');
  return { placement: { ...fields, ...(mef ? { mef } : {}) }, problems };
}

type ListsOf = Record<'pupil' | 'teacher', AafAttribute[]>;
const CLASS_ATTRIBUTES: ListsOf = { pupil: ['ENTEleveClasses', 'ENTPersonClasses'], teacher: ['ENTAuxEnsClasses'] };
const GROUP_ATTRIBUTES: ListsOf = { pupil: ['ENTEleveGroupes', 'ENTPersonGroupes'], teacher: ['ENTAuxEnsGroupes'] };

/** A guardian a pupil names: its AAF id, whether it is a legal representative, and how it is related when said. */
export interface NamedGuardian {
  guardianId: string;
  legal: boolean;
  relationship?: Relationship;
}

/**
 * The guardians a pupil names: `ENTElevePersRelEleve` (`id$link$financial$legal$contact$payment`, the link a
 * relationship code: kit/relationships.ts), or in first-degree and older files `ENTEleveAutoriteParentale`
 * (people with parental authority: legal guardians), with a warning for each link code that is none known.
 */
function guardiansNamed(request: AafRequest, position: SourcePosition): { named: NamedGuardian[]; problems: ConnectorProblem[] } {
  const detailed = all(request, 'ENTElevePersRelEleve');
  const problems: ConnectorProblem[] = [];
  if (detailed.length) {
    const named = detailed.flatMap((value) => {
      const [guardianId, link, , legal] = value.split('$');
      if (!guardianId) return [];
      const related = link ? relationshipOf(link, position, 'ENTElevePersRelEleve') : undefined;
      problems.push(...(related?.problems ?? []));
      return [{ guardianId, legal: legal === '1' || legal === '2', ...(related ? { relationship: related.relationship } : {}) }];
    });
    return { named, problems };
  }
  // First degree may follow the id with the relationship's label (`8200002$MERE`).
  const named = all(request, 'ENTEleveAutoriteParentale').flatMap((value) => {
    const [guardianId, label] = value.split('$');
    if (!guardianId) return [];
    const related = label ? relationshipOf(label, position, 'ENTEleveAutoriteParentale') : undefined;
    problems.push(...(related?.problems ?? []));
    return [{ guardianId, legal: true, ...(related ? { relationship: related.relationship } : {}) }];
  });
  return { named, problems };
}

export function guardianLinks(structure: string, pupilId: string, named: NamedGuardian[], position: SourcePosition): StructuredOperation[] {
  return named.map(({ guardianId, legal, relationship }) => ({
    structure,
    operation: {
      entity: 'guardianLink' as const,
      record: { legalRepresentative: legal, ...(relationship ? { relationship } : {}), sourceIds: { [SOURCE]: guardianLinkSourceId(guardianId, pupilId) } },
      links: { guardianId: { source: SOURCE, id: guardianId }, pupilId: { source: SOURCE, id: pupilId } },
      position,
    },
  }));
}

/** A pupil (category Eleve), its classes (with the level it is in) and groups, and its links to the guardians it names. */
export function pupilOf(request: AafRequest, position: SourcePosition, dictionaries: AafDictionaries): Mapped {
  const names = identity(request, position);
  if ('detail' in names) return { operations: [], problems: [names], subjects: [] };
  const structure = first(request, 'ENTPersonStructRattach');
  if (!structure) return { operations: [], problems: [{ ...position, field: 'ENTPersonStructRattach', code: 'invalid-field', severity: 'error', detail: 'ENTPersonStructRattach is empty; expected the pupil\'s structure', sourceId: request.id }], subjects: [] };
  const { birthDate, problems } = birthDateOf(first(request, 'ENTPersonDateNaissance'), position);
  const { placement, problems: levelProblems } = pupilPlacement(request, dictionaries, position);
  const guardians = guardiansNamed(request, position);
  // The pupil's id in its establishment's SIECLE (or BE1D) base is what FrEduVecteur carries, with the UAI.
  const schoolId = first(request, 'ENTEleveStructRattachId');
  const record = { ...pupilFields(request), ...placement, ...(birthDate ? { birthDate } : {}), ...names, sourceIds: { [SOURCE]: request.id, ...(schoolId ? { [SCHOOL_SOURCE]: schoolId } : {}) } };
  const person: StructuredOperation = { structure, operation: { entity: 'person', record, position } };
  return {
    operations: [
      person,
      ...memberships(all(request, ...CLASS_ATTRIBUTES.pupil), 'division', request.id, 'pupil', position, placement),
      ...memberships(all(request, ...GROUP_ATTRIBUTES.pupil), 'group', request.id, 'pupil', position),
      ...guardianLinks(structure, request.id, guardians.named, position),
    ],
    problems: [...problems, ...levelProblems, ...guardians.problems],
    subjects: all(request, 'ENTEleveCodeEnseignements').map((code) => ({ structure, code })),
  };
}

function pupilFields(request: AafRequest): Record<string, unknown> {
  const ine = first(request, 'ENTEleveINE')?.toUpperCase();
  return { kind: 'pupil', ...(ine ? { ine } : {}) };
}

/** A guardian (category PersRelEleve), with its contact details; its establishments are those of the pupils that name it. */
export function guardianOf(request: AafRequest, position: SourcePosition): CanonicalOperation | ConnectorProblem {
  const names = identity(request, position);
  if ('detail' in names) return names;
  return { entity: 'person', record: { kind: 'guardian', ...names, ...contactOf(request), sourceIds: { [SOURCE]: request.id } }, position };
}

/**
 * Whether a PersEducNat person teaches: in front of pupils (second degree), said outright (first degree:
 * `ENTPersonCategorieEnseignant`), or told by a teaching function (ENS, DOC).
 */
function teaches(request: AafRequest): boolean {
  if (first(request, 'PersEducNatPresenceDevantEleves') === 'O') return true;
  const category = first(request, 'ENTPersonCategorieEnseignant');
  if (category !== undefined) return ['O', 'TRUE', '1'].includes(category.toUpperCase());
  return all(request, 'ENTPersonFonctions').some((f) => f.split('$').slice(1).some((part) => part === 'ENS' || part === 'DOC'));
}

/** A teacher or staff member (category PersEducNat) in each structure it is attached to, with the classes it teaches. */
export function staffOf(request: AafRequest, position: SourcePosition): Mapped {
  const names = identity(request, position);
  if ('detail' in names) return { operations: [], problems: [names], subjects: [] };
  const teacher = teaches(request);
  const taught = [...all(request, ...CLASS_ATTRIBUTES.teacher), ...all(request, ...GROUP_ATTRIBUTES.teacher)];
  // A person belongs to the structures it is attached to, works in, or teaches classes of (AAF often leaves
  // the attachment empty for teachers).
  const structures = new Set([
    ...all(request, 'ENTPersonStructRattach'),
    ...[...all(request, 'ENTPersonFonctions'), ...(teacher ? taught : [])].map((value) => value.split('$')[0]).filter(Boolean),
  ]);
  if (structures.size === 0) {
    return { operations: [], problems: [{ ...position, field: 'ENTPersonStructRattach', code: 'no-structure', severity: 'warning', detail: 'the person is attached to no structure (no attachment, function or class); left out' }], subjects: [] };
  }
  const { birthDate, problems } = birthDateOf(first(request, 'ENTPersonDateNaissance'), position);
  const record = { ...staffFields(request, teacher), ...(birthDate ? { birthDate } : {}), ...names, sourceIds: { [SOURCE]: request.id } };
  const subjects = teacher ? subjectsByGroup(request, taught.flatMap((value) => { const ref = groupRef(value); return ref ? [groupSourceId(ref.structure, ref.code)] : []; })) : undefined;
  return {
    operations: [
      ...[...structures].map((structure) => ({ structure, operation: { entity: 'person' as const, record, position } })),
      ...(teacher ? memberships(all(request, ...CLASS_ATTRIBUTES.teacher), 'division', request.id, 'teacher', position, {}, subjects) : []),
      ...(teacher ? memberships(all(request, ...GROUP_ATTRIBUTES.teacher), 'group', request.id, 'teacher', position, {}, subjects) : []),
    ],
    problems,
    subjects: teacher ? usedSubjects(taughtSubjects(request, structures), subjects!, structures) : [],
  };
}

function staffFields(request: AafRequest, teacher: boolean): Record<string, unknown> {
  const email = validEmail(first(request, 'mail', 'ENTPersonMail'));
  const functions = functionsOf(request);
  return { kind: teacher ? 'teacher' : 'staff', ...(email ? { email } : {}), ...(functions.length ? { functions } : {}) };
}

/** How a modifyRequest changes a person: the canonical fields it sets or clears, and the lists it replaces. */
export interface PersonModification {
  /** Field → new value; undefined clears the field. */
  fields: Record<string, unknown>;
  /** Replaced class/group lists and guardians, when the request carries them. */
  divisions?: string[];
  groups?: string[];
  guardians?: NamedGuardian[];
  /** A teacher's subject codes by class or group, when the request carries them. */
  subjects?: Map<string, string[]>;
  /** A pupil's structure of attachment, when the request carries one: it may have changed establishment. */
  structure?: string;
  /** Errors keep the whole modification out; warnings come with what is applied. */
  problems: ConnectorProblem[];
}

const FIELD_OF_ATTRIBUTE: Partial<Record<AafAttribute, string>> = {
  sn: 'familyName', ENTPersonNom: 'familyName', givenName: 'givenName', ENTPersonPrenom: 'givenName',
  ENTPersonDateNaissance: 'birthDate', ENTEleveINE: 'ine', mail: 'email', ENTPersonMail: 'email',
};

export function personModification(request: AafRequest, role: 'pupil' | 'teacher' | 'guardian', position: SourcePosition): PersonModification {
  const out: PersonModification = { fields: {}, problems: [] };
  for (const [attribute, values] of Object.entries(request.attributes)) {
    const field = FIELD_OF_ATTRIBUTE[attribute as AafAttribute];
    const value = values[0];
    if (field === 'familyName' || field === 'givenName') {
      if (value) out.fields[field] = value;
      else out.problems.push({ ...position, field: attribute, code: 'invalid-field', severity: 'error', detail: `${attribute} is replaced by nothing; expected a name` });
    } else if (field === 'birthDate') {
      // Replaced by nothing, the date goes; by something else than a date, it stays as it was.
      const { birthDate, problems } = birthDateOf(value, position);
      if (problems.length) out.problems.push(...problems);
      else out.fields.birthDate = birthDate;
    } else if (field === 'ine' && role === 'pupil') out.fields.ine = value?.toUpperCase();
    else if (field === 'email') out.fields.email = validEmail(value);
    else if (attribute === 'ENTPersonStructRattach' && role === 'pupil') {
      if (value) out.structure = value;
      else out.problems.push({ ...position, field: attribute, code: 'invalid-field', severity: 'warning', detail: `${attribute} is replaced by nothing; the pupil stays where it is` });
    }
  }
  if (role === 'guardian') return out;
  const carries = (names: AafAttribute[]) => names.some((name) => name in request.attributes);
  const list = role === 'pupil' ? 'pupil' : 'teacher';
  if (carries(CLASS_ATTRIBUTES[list])) out.divisions = all(request, ...CLASS_ATTRIBUTES[list]);
  if (carries(GROUP_ATTRIBUTES[list])) out.groups = all(request, ...GROUP_ATTRIBUTES[list]);
  if (role === 'pupil' && carries(['ENTElevePersRelEleve', 'ENTEleveAutoriteParentale'])) {
    const guardians = guardiansNamed(request, position);
    out.guardians = guardians.named;
    out.problems.push(...guardians.problems);
  }
  if (role === 'teacher' && carries(['ENTAuxEnsClassesMatieres', 'ENTAuxEnsGroupesMatieres'])) out.subjects = subjectsByGroup(request);
  return out;
}
