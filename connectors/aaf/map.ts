// AAF requests → canonical records, one request at a time, each tagged with the AAF structure (jointure) it
// belongs to: the import resolves structures to UAIs with the EtabEducNat file. Source ids are the AAF
// identifiers (`aaf`); classes and groups are identified as `structure$code`, as AAF writes them.
import type { CanonicalOperation } from '../kit/operation.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import type { AafRequest } from './read.js';

export const SOURCE = 'aaf';

export interface AafStructure {
  jointure: string;
  uai: string;
  name: string;
}

/** An operation for the establishment of an AAF structure. */
export interface StructuredOperation {
  structure: string;
  operation: CanonicalOperation;
}

export type Mapped = { operations: StructuredOperation[]; problems: ConnectorProblem[] };

const first = (request: AafRequest, name: string): string | undefined => request.attributes[name]?.[0];

/** `07/08/1967` → `1967-08-07`; undefined otherwise. */
export function aafDate(text: string | undefined): string | undefined {
  const match = text ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) : null;
  return match ? `${match[3]}-${match[2]}-${match[1]}` : undefined;
}

export function structureOf(request: AafRequest, position: SourcePosition): AafStructure | ConnectorProblem {
  const uai = (first(request, 'ENTStructureUAI') ?? first(request, 'ENTEtablissementUAI'))?.toUpperCase();
  if (!uai) return { ...position, field: 'ENTStructureUAI', code: 'invalid-field', severity: 'error', detail: 'ENTStructureUAI is empty; expected the structure\'s UAI' };
  return { jointure: first(request, 'ENTStructureJointure') ?? request.id, uai, name: (first(request, 'ENTStructureNomCourant') ?? uai).replace(/\$/g, ' ').trim() };
}

function identity(request: AafRequest, position: SourcePosition): { familyName: string; givenName: string } | ConnectorProblem {
  const familyName = first(request, 'sn') ?? first(request, 'ENTPersonNom');
  const givenName = first(request, 'givenName') ?? first(request, 'ENTPersonPrenom');
  if (familyName && givenName) return { familyName, givenName };
  const field = familyName ? 'givenName' : 'sn';
  return { ...position, field, code: 'invalid-field', severity: 'error', detail: `${field} is empty; expected a name` };
}

/** Memberships of a person in the classes and groups listed as `structure$code`, with the groups themselves. */
function memberships(values: string[], kind: 'division' | 'group', personId: string, role: 'pupil' | 'teacher', position: SourcePosition): StructuredOperation[] {
  return values.flatMap((value) => {
    const [structure, code] = value.split('$');
    if (!structure || !code) return [];
    const groupId = `${structure}$${code}`;
    return [
      { structure, operation: { entity: 'group' as const, record: { kind, code, name: code, sourceIds: { [SOURCE]: groupId } }, position } },
      {
        structure,
        operation: {
          entity: 'membership' as const,
          record: { role, sourceIds: { [SOURCE]: `${personId}@${groupId}` } },
          links: { personId: { source: SOURCE, id: personId }, groupId: { source: SOURCE, id: groupId } },
          position,
        },
      },
    ];
  });
}

/** A pupil (category Eleve), its classes and groups, and its links to the guardians it names. */
export function pupilOf(request: AafRequest, position: SourcePosition): Mapped {
  const names = identity(request, position);
  if ('detail' in names) return { operations: [], problems: [names] };
  const structure = first(request, 'ENTPersonStructRattach');
  if (!structure) return { operations: [], problems: [{ ...position, field: 'ENTPersonStructRattach', code: 'invalid-field', severity: 'error', detail: 'ENTPersonStructRattach is empty; expected the pupil\'s structure' }] };
  const ine = first(request, 'ENTEleveINE')?.toUpperCase();
  const birthDate = aafDate(first(request, 'ENTPersonDateNaissance'));
  const person: StructuredOperation = {
    structure,
    operation: { entity: 'person', record: { kind: 'pupil', ...names, ...(ine ? { ine } : {}), ...(birthDate ? { birthDate } : {}), sourceIds: { [SOURCE]: request.id } }, position },
  };
  const guardians: StructuredOperation[] = (request.attributes.ENTElevePersRelEleve ?? []).flatMap((value) => {
    const [guardianId, , , legal] = value.split('$');
    if (!guardianId) return [];
    return [{
      structure,
      operation: {
        entity: 'guardianLink' as const,
        record: { legalRepresentative: legal === '1' || legal === '2', sourceIds: { [SOURCE]: `${guardianId}>${request.id}` } },
        links: { guardianId: { source: SOURCE, id: guardianId }, pupilId: { source: SOURCE, id: request.id } },
        position,
      },
    }];
  });
  return {
    operations: [
      person,
      ...memberships(request.attributes.ENTEleveClasses ?? [], 'division', request.id, 'pupil', position),
      ...memberships(request.attributes.ENTEleveGroupes ?? [], 'group', request.id, 'pupil', position),
      ...guardians,
    ],
    problems: [],
  };
}

/** A guardian (category PersRelEleve); its establishments are those of the pupils that name it. */
export function guardianOf(request: AafRequest, position: SourcePosition): CanonicalOperation | ConnectorProblem {
  const names = identity(request, position);
  if ('detail' in names) return names;
  const email = first(request, 'mail');
  return { entity: 'person', record: { kind: 'guardian', ...names, ...(email && /^[^@\s]+@[^@\s]+$/.test(email) ? { email } : {}), sourceIds: { [SOURCE]: request.id } }, position };
}

/** A teacher or staff member (category PersEducNat) in each structure it is attached to, with the classes it teaches. */
export function staffOf(request: AafRequest, position: SourcePosition): Mapped {
  const names = identity(request, position);
  if ('detail' in names) return { operations: [], problems: [names] };
  const functions = request.attributes.ENTPersonFonctions ?? [];
  const teaches = first(request, 'PersEducNatPresenceDevantEleves') === 'O' || functions.some((f) => ['ENS', 'DOC'].includes(f.split('$')[1]));
  const taught = [...(request.attributes.ENTAuxEnsClasses ?? []), ...(request.attributes.ENTAuxEnsGroupes ?? [])];
  // A person belongs to the structures it is attached to, works in, or teaches classes of (AAF often leaves
  // the attachment empty for teachers).
  const structures = new Set([
    ...(request.attributes.ENTPersonStructRattach ?? []),
    ...[...functions, ...(teaches ? taught : [])].map((value) => value.split('$')[0]).filter(Boolean),
  ]);
  if (structures.size === 0) {
    return { operations: [], problems: [{ ...position, field: 'ENTPersonStructRattach', code: 'no-structure', severity: 'warning', detail: 'the person is attached to no structure (no attachment, function or class); left out' }] };
  }
  const email = first(request, 'mail');
  const birthDate = aafDate(first(request, 'ENTPersonDateNaissance'));
  const record = {
    kind: teaches ? 'teacher' : 'staff', ...names, ...(birthDate ? { birthDate } : {}),
    ...(email && /^[^@\s]+@[^@\s]+$/.test(email) ? { email } : {}), sourceIds: { [SOURCE]: request.id },
  };
  return {
    operations: [
      ...[...structures].map((structure) => ({ structure, operation: { entity: 'person' as const, record, position } })),
      ...(teaches ? memberships(request.attributes.ENTAuxEnsClasses ?? [], 'division', request.id, 'teacher', position) : []),
      ...(teaches ? memberships(request.attributes.ENTAuxEnsGroupes ?? [], 'group', request.id, 'teacher', position) : []),
    ],
    problems: [],
  };
}
