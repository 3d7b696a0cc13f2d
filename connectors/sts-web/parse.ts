// STS-Web, the "emplois du temps" export of an établissement (`sts_emp_<UAI>_<year>.xml`, root STS_EDT, as GEPI
// reads it): subjects (MATIERES), levels (MEFS), staff (INDIVIDUS), then classes and groups with their teaching
// services (STRUCTURE) → subjects, teachers and staff, divisions and groups with a level (and their MEF when
// they have one), and a teacher membership for each teacher of a class or group. Read as it streams by: only
// codes and identifiers are kept, to link services to people and to tell repeats.
import type { CanonicalOperation, ConnectorItem } from '../kit/operation.js';
import type { ConnectorProblem } from '../kit/problem.js';
import type { XmlElement } from '../kit/xml.js';
import { toMef } from '../kit/mef.js';
import type { Level } from '../kit/levels.js';
import { individualId, labelOfMef, levelOfMef, personOf, SOURCE, structureOf, subjectOf, type Mapped, type Structure } from './map.js';
import { readStsElements } from './read.js';

export { SOURCE };

const PATHS = new Set([
  'STS_EDT/NOMENCLATURES/MATIERES/MATIERE',
  'STS_EDT/NOMENCLATURES/MEFS/MEF',
  'STS_EDT/DONNEES/INDIVIDUS/INDIVIDU',
  'STS_EDT/DONNEES/STRUCTURE/DIVISIONS/DIVISION',
  'STS_EDT/DONNEES/STRUCTURE/GROUPES/GROUPE',
]);

/** The level of a class or group whose MEFs (or classes) all have the same one; a mixed class has none. */
function single<T>(values: (T | undefined)[]): T | undefined {
  const distinct = new Set(values);
  return distinct.size === 1 ? [...distinct][0] : undefined;
}

/** A class's or group's level fields: the normalised level, and the MEF code it comes from (`levelSource`). */
interface Placed {
  level?: Level;
  levelSource?: string;
}

/**
 * The records of an STS-Web export in dependency order (people before the classes and groups whose services
 * name them, each class or group before its memberships), with a problem for each element it cannot use.
 * Throws FileProblem when the file is not well-formed XML or not an STS-Web export.
 */
export async function* parseStsWeb(source: AsyncIterable<Buffer | Uint8Array>, options: { file: string }): AsyncGenerator<ConnectorItem> {
  const { file } = options;
  const subjects = new Set<string>();
  const mefLevels = new Map<string, Level | undefined>();
  const mefLabels = new Map<string, string | undefined>();
  const people = new Map<string, boolean>(); // source id → whether its record was given (false: refused)
  const divisionLevels = new Map<string, Placed>();
  const groups = new Set<string>();
  const memberships = new Set<string>();

  const problem = (p: ConnectorProblem): ConnectorItem => ({ kind: 'problem', problem: p });
  const operation = (o: CanonicalOperation): ConnectorItem => ({ kind: 'operation', operation: o });
  const items = ({ value, problems }: Mapped<CanonicalOperation>): ConnectorItem[] => [...(value ? [operation(value)] : []), ...problems.map(problem)];
  const repeated = (element: XmlElement, field: string, key: string): ConnectorItem => problem({
    file, line: element.line, field, code: 'duplicate-record', severity: 'warning',
    detail: `${element.name} ${key} is listed again; the first one is kept`,
  });
  const unknown = (line: number, field: string, detail: string, severity: 'error' | 'warning'): ConnectorItem =>
    problem({ file, line, field, code: 'unknown-reference', severity, detail });

  function levelOf(structure: Structure): { placed: Placed; problems: ConnectorItem[] } {
    const problems = structure.mefs.filter((mef) => !mefLevels.has(mef.code))
      .map((mef) => unknown(mef.line, 'MEF_APPARTENANCE', `MEF ${mef.code} is not in NOMENCLATURES/MEFS; it gives no level`, 'warning'));
    if (structure.mefs.length > 0) {
      const level = single(structure.mefs.map((mef) => mefLevels.get(mef.code)));
      const levelSource = single(structure.mefs.map((mef) => mef.code));
      return { placed: { ...(level ? { level } : {}), ...(levelSource && mefLevels.has(levelSource) ? { levelSource } : {}) }, problems };
    }
    // A group without MEFs of its own is at the level of the classes it draws from, when they share one.
    problems.push(...structure.divisions.filter((division) => !divisionLevels.has(division.code))
      .map((division) => unknown(division.line, 'DIVISION_APPARTENANCE', `DIVISION_APPARTENANCE ${division.code} names no DIVISION of the export`, 'warning')));
    const placed = structure.divisions.map((division) => divisionLevels.get(division.code));
    const level = single(placed.map((p) => p?.level));
    const levelSource = single(placed.map((p) => p?.levelSource));
    return { placed: level ? { level, ...(levelSource ? { levelSource } : {}) } : {}, problems };
  }

  /** The MEF of a class or group whose MEFs are one, known to the export's nomenclature. */
  function mefOf(structure: Structure) {
    const codes = new Set(structure.mefs.map((mef) => mef.code));
    const [code] = codes;
    return codes.size === 1 && mefLevels.has(code) ? toMef(code, mefLabels.get(code)) : undefined;
  }

  /** Each teacher's subjects in a class or group: those of the services naming it that the nomenclature knows. */
  function subjectsOf(structure: Structure): { taught: Map<string, string[]>; problems: ConnectorItem[] } {
    const taught = new Map<string, string[]>();
    const problems: ConnectorItem[] = [];
    for (const { id, subject, line } of structure.teachers) {
      if (!id || !subject) continue;
      if (!subjects.has(subject)) {
        problems.push(unknown(line, 'CODE_MATIERE', `SERVICE CODE_MATIERE ${subject} of ${structure.code} is not in NOMENCLATURES/MATIERES; the teacher's membership does not name it`, 'warning'));
        continue;
      }
      const codes = taught.get(id) ?? [];
      if (!codes.includes(subject)) taught.set(id, [...codes, subject]);
    }
    return { taught, problems };
  }

  function membershipsOf(structure: Structure, kind: string): ConnectorItem[] {
    const { taught, problems } = subjectsOf(structure);
    return [...problems, ...structure.teachers.flatMap((teacher): ConnectorItem[] => {
      if (!teacher.id) {
        return [problem({ file, line: teacher.line, field: 'ID', code: 'invalid-field', severity: 'error', detail: `an ENSEIGNANT of ${kind} ${structure.code} has no ID; expected the ID of an INDIVIDU` })];
      }
      const given = people.get(teacher.id);
      if (given === undefined) {
        return [unknown(teacher.line, 'ENSEIGNANT', `ENSEIGNANT ${teacher.id} of ${kind} ${structure.code} names no INDIVIDU of the export (INDIVIDUS come before STRUCTURE)`, 'error')];
      }
      const id = `${teacher.id}@${structure.code}`;
      // A refused INDIVIDU already has its problem; a teacher of several subjects in one class is one member.
      if (!given || memberships.has(id)) return [];
      memberships.add(id);
      const subjectIds = (taught.get(teacher.id) ?? []).map((code) => ({ source: SOURCE, id: code }));
      return [operation({
        entity: 'membership',
        record: { role: 'teacher', sourceIds: { [SOURCE]: id } },
        links: { personId: { source: SOURCE, id: teacher.id }, groupId: { source: SOURCE, id: structure.code }, ...(subjectIds.length ? { subjectIds } : {}) },
        position: { file, line: teacher.line },
      })];
    })];
  }

  function structureItems(element: XmlElement, structure: Structure): ConnectorItem[] {
    const kind = element.name === 'DIVISION' ? 'division' : 'group';
    const { placed, problems } = levelOf(structure);
    const mef = mefOf(structure);
    if (kind === 'division') divisionLevels.set(structure.code, placed);
    else groups.add(structure.code);
    const group = operation({
      entity: 'group',
      record: { kind, code: structure.code, name: structure.name, ...placed, ...(mef ? { mef } : {}), sourceIds: { [SOURCE]: structure.code } },
      position: { file, line: element.line },
    });
    return [group, ...problems, ...membershipsOf(structure, element.name)];
  }

  const readers: Record<string, (element: XmlElement) => ConnectorItem[]> = {
    MATIERE: (matiere) => {
      const code = matiere.attributes.CODE?.trim();
      if (code && subjects.has(code)) return [repeated(matiere, 'CODE', code)];
      if (code) subjects.add(code);
      return items(subjectOf(matiere, file));
    },
    MEF: (mef) => {
      const code = mef.attributes.CODE?.trim();
      if (!code) return [problem({ file, line: mef.line, field: 'CODE', code: 'invalid-field', severity: 'warning', detail: 'MEF has no CODE; it gives no level' })];
      if (mefLevels.has(code)) return [repeated(mef, 'CODE', code)];
      const level = levelOfMef(mef);
      mefLevels.set(code, level);
      mefLabels.set(code, labelOfMef(mef));
      return level ? [] : [problem({
        file, line: mef.line, field: 'CODE', code: 'unknown-level', severity: 'warning',
        detail: `MEF ${code} names no level of the vocabulary, neither by its code nor by its labels (FORMATION, LIBELLE_COURT, LIBELLE_EDITION, LIBELLE_LONG); its classes keep the code as levelSource, without a level`,
      })];
    },
    INDIVIDU: (individu) => {
      const id = individualId(individu);
      if (id && people.has(id)) return [repeated(individu, 'ID', id)];
      const mapped = personOf(individu, file);
      if (id) people.set(id, mapped.value !== undefined);
      return items(mapped);
    },
    DIVISION: (division) => {
      const { value: structure, problems } = structureOf(division, file);
      if (!structure) return problems.map(problem);
      if (divisionLevels.has(structure.code)) return [repeated(division, 'CODE', structure.code)];
      return structureItems(division, structure);
    },
    GROUPE: (groupe) => {
      const { value: structure, problems } = structureOf(groupe, file);
      if (!structure) return problems.map(problem);
      if (groups.has(structure.code)) return [repeated(groupe, 'CODE', structure.code)];
      if (divisionLevels.has(structure.code)) {
        return [problem({
          file, line: groupe.line, field: 'CODE', code: 'duplicate-record', severity: 'error',
          detail: `GROUPE ${structure.code} has the code of a DIVISION; expected classes and groups to have distinct codes`,
        })];
      }
      return structureItems(groupe, structure);
    },
  };

  for await (const element of readStsElements(source, { file, paths: PATHS })) yield* readers[element.name](element);
}
