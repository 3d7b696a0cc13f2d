// The reference tables a UDT timetable's lines point into, by code, as ENTCORE's UDTImporter reads them: rooms
// (UDCal_03 `salle@code@nom`), teachers (UDCal_04 `prof@code@epj@nom@prenom`, `epj` their national id),
// subjects (UDCal_05 `mat@code@libelle@code_gep1`), classes (UDCal_08 `div@code@code_gep@libelle`), groups
// (UDCal_19 `gpe@code@code_div@code_sts@id`, a group of a class: its code is only unique within the class),
// regroupings (UDCal_13 `rgpmt@code@id@code_gpe@nom@code_div`, one row per class or group they gather) and
// co-teachings (UDCal_23 `coens@lignefic@prof@epj`: another teacher on the line of fiche `lignefic`).
import type { ConnectorProblem } from '../kit/problem.js';
import type { TableName } from './files.js';
import type { GroupRef, ResourceRef, TimetableFile, TimetableItem } from '../kit/timetable.js';
import { problemAt, readUdtRecords, type UdtRecord } from './read.js';

export interface References {
  rooms: Map<string, ResourceRef>;
  teachers: Map<string, ResourceRef>;
  subjects: Map<string, ResourceRef>;
  divisions: Map<string, GroupRef>;
  /** By class code and group code (`4B|G1`). */
  groups: Map<string, GroupRef>;
  regroupings: Map<string, GroupRef>;
  /** The tables the delivery lacks: codes pointing into them are not reported one by one. */
  absent: ReadonlySet<TableName>;
}

const problem = (p: ConnectorProblem): TimetableItem => ({ kind: 'problem', problem: p });

/**
 * The records of one element of a table by their key, the first of a repeated key kept with a warning (unless
 * `repeats` says rows of one key are expected). A record without a key is refused.
 */
async function* readKeyed(
  file: TimetableFile | undefined, element: string, keyOf: (record: UdtRecord) => string, keyField: string, repeats = false,
): AsyncGenerator<TimetableItem, Map<string, UdtRecord>> {
  const records = new Map<string, UdtRecord>();
  if (!file) return records;
  for await (const record of readUdtRecords(file, new Set([element]))) {
    const key = keyOf(record);
    if (!key) {
      yield problem(problemAt(record, keyField, 'missing-field', 'error', `${element} without ${keyField}; it is left out`));
    } else if (records.has(key)) {
      if (!repeats) yield problem(problemAt(record, keyField, 'duplicate-record', 'warning', `${element} ${key} is listed again; the first one is kept`));
    } else {
      records.set(key, record);
    }
  }
  return records;
}

const code = (record: UdtRecord): string => record.attributes.code ?? '';
const orUndefined = (text: string | undefined): string | undefined => (text ? text : undefined);

/** Rooms, yielded as they are read, by code. */
export async function* readRooms(file: TimetableFile | undefined): AsyncGenerator<TimetableItem, Map<string, ResourceRef>> {
  const rooms = new Map<string, ResourceRef>();
  for (const [key, record] of yield* readKeyed(file, 'salle', code, 'code')) {
    const name = orUndefined(record.attributes.nom);
    rooms.set(key, { code: key, ...(name ? { name } : {}) });
    yield { kind: 'room', room: { code: key, ...(name ? { name } : {}), position: record.position } };
  }
  return rooms;
}

/**
 * Teachers by UDT code, named by their national id (`epj`, which ENTCORE matches to the roster's external id)
 * when UDT knows it, else by that code [UNVERIFIED: a UDT code may equal an unrelated roster source id; the
 * names then decide].
 */
export async function* readTeachers(file: TimetableFile | undefined): AsyncGenerator<TimetableItem, Map<string, ResourceRef>> {
  const teachers = new Map<string, ResourceRef>();
  for (const [key, record] of yield* readKeyed(file, 'prof', code, 'code')) teachers.set(key, teacherRef(record.attributes, key));
  return teachers;
}

function teacherRef(attributes: Record<string, string>, udtCode: string): ResourceRef {
  const familyName = orUndefined(attributes.nom);
  const givenName = orUndefined(attributes.prenom);
  return { sourceId: orUndefined(attributes.epj) ?? udtCode, ...(familyName ? { familyName } : {}), ...(givenName ? { givenName } : {}) };
}

/** Subjects, yielded as they are read, by UDT code; their code is the national one (`code_gep1`) when given. */
export async function* readSubjects(file: TimetableFile | undefined): AsyncGenerator<TimetableItem, Map<string, ResourceRef>> {
  const subjects = new Map<string, ResourceRef>();
  for (const [key, record] of yield* readKeyed(file, 'mat', code, 'code')) {
    const name = orUndefined(record.attributes.libelle);
    const ref = { sourceId: key, code: orUndefined(record.attributes.code_gep1) ?? key, ...(name ? { name } : {}) };
    subjects.set(key, ref);
    yield { kind: 'subject', subject: { ...ref, position: record.position } };
  }
  return subjects;
}

/** Classes, groups of classes and regroupings. */
export async function* readGroups(
  files: { divisions?: TimetableFile; groups?: TimetableFile; regroupings?: TimetableFile },
): AsyncGenerator<TimetableItem, Pick<References, 'divisions' | 'groups' | 'regroupings'>> {
  const divisions = new Map<string, GroupRef>();
  for (const [key, record] of yield* readKeyed(files.divisions, 'div', code, 'code')) {
    const name = orUndefined(record.attributes.libelle);
    divisions.set(key, { code: key, kind: 'division', ...(name ? { name } : {}) });
  }
  const groups = new Map<string, GroupRef>();
  const groupKey = (record: UdtRecord) => (record.attributes.code ? `${record.attributes.code_div ?? ''}|${record.attributes.code}` : '');
  for (const [key, record] of yield* readKeyed(files.groups, 'gpe', groupKey, 'code')) {
    // ENTCORE names a group by its STS-Web code, else by its class's code and its own (`4B` + `G1`).
    const stsCode = orUndefined(record.attributes.code_sts) ?? `${record.attributes.code_div ?? ''}${record.attributes.code}`;
    groups.set(key, { code: stsCode, kind: 'group' });
  }
  const regroupings = new Map<string, GroupRef>();
  for (const [key, record] of yield* readKeyed(files.regroupings, 'rgpmt', code, 'code', true)) {
    const name = record.attributes.nom || key; // [UNVERIFIED] that the roster's group code is the regrouping's nom
    regroupings.set(key, { code: name, name, kind: 'group' });
  }
  return { divisions, groups, regroupings };
}

/** The other teachers of each line of fiche (`lignefic`), named through UDCal_04 or by their own `epj`. */
export async function* readCoTeaching(
  file: TimetableFile | undefined, teachers: ReadonlyMap<string, ResourceRef>,
): AsyncGenerator<TimetableItem, Map<string, ResourceRef[]>> {
  const coTeaching = new Map<string, ResourceRef[]>();
  if (!file) return coTeaching;
  for await (const record of readUdtRecords(file, new Set(['coens']))) {
    const { lignefic, prof, epj } = record.attributes;
    if (!lignefic) {
      yield problem(problemAt(record, 'lignefic', 'missing-field', 'error', 'coens without lignefic; expected the code of a line of fiche-T (UDCal_12)'));
      continue;
    }
    const known = prof ? teachers.get(prof) : undefined;
    if (!known && !epj) {
      yield problem(problemAt(record, 'prof', 'unknown-reference', 'error', `teacher "${prof ?? ''}" is not in UDCal_04 and the line has no epj; the co-teacher is left out`));
      continue;
    }
    const teacher = known ?? { sourceId: epj };
    const list = coTeaching.get(lignefic) ?? [];
    if (!list.some((other) => other.sourceId === teacher.sourceId)) list.push(teacher);
    coTeaching.set(lignefic, list);
  }
  return coTeaching;
}
