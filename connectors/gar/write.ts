// Out: the GAR-ENT complete files of one establishment (GAR-ENT.xsd v1.7, or GAR-ENT-1D.xsd v1.4 for an école),
// streamed: every entry goes to its file as soon as it is built.
// Written: GAREtab and GARMatiere (Etab), GAREleve and GARPersonMEF (Eleve), GAREnseignant for teachers and
// staff with GARPersonMEF (Enseignant), GARGroupe (a teaching group with the classes its pupils are in) and
// GARPersonGroupe (Groupe); the 1D files take
// GARPersonMEFSTAT4 and no subjects. GARRespAff is never written: a complete RespAff file without them would
// withdraw every resource-assigning staff member the GAR knows.
import { etabEntry, groupeEntry, matiereEntry, mefCodeOf, personEntry, personGroupeEntry, personMefEntry, type Built } from './entries.js';
import type { GarDegree, GarGroup, GarMembership, GarProblem, GarSource } from './records.js';
import { GarFileSeries, garPackageName, garStamp, type GarFileKind, type GarSink } from './series.js';
import type { GarNode } from './xml-node.js';

export interface GarWriteOptions {
  entId: string;
  /** The export's time: it names the files and decides which memberships have ended. */
  now: Date;
}

export interface GarWriteResult {
  degree: GarDegree;
  /** The prefix of every file name, which also names the archive. */
  packageName: string;
  /** File names in the order written: Etab, Eleve, Enseignant, Groupe. */
  files: string[];
  /** Entries written, by element name (GAREleve, GARPersonGroupe…). */
  counts: Record<string, number>;
  problems: GarProblem[];
}

const KINDS: readonly GarFileKind[] = ['Etab', 'Eleve', 'Enseignant', 'Groupe'];

export async function writeGar(source: GarSource, sink: GarSink, options: GarWriteOptions): Promise<GarWriteResult> {
  const { establishment } = source;
  const uai = establishment.uai;
  const degree: GarDegree = establishment.type === 'ecole' ? '1D' : '2D';
  const stamp = garStamp(options.now);
  const naming = { entId: options.entId, stamp, degree };
  const today = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}`;
  const series = Object.fromEntries(KINDS.map((kind) => [kind, new GarFileSeries(sink, naming, kind)])) as Record<GarFileKind, GarFileSeries>;
  const counts: Record<string, number> = {};
  const problems: GarProblem[] = [];
  const take = (built: Built): GarNode | undefined => {
    problems.push(...built.problems);
    return built.node;
  };
  const add = async (kind: GarFileKind, node: GarNode): Promise<void> => {
    await series[kind].add(node);
    counts[node.name] = (counts[node.name] ?? 0) + 1;
  };
  const duplicate = (entity: GarProblem['entity'], id: string, field: string, detail: string): void => {
    problems.push({ entity, id, field, code: 'duplicate-key', detail, severity: 'error' });
  };

  const etab = take(etabEntry(establishment));
  if (etab) await add('Etab', etab);
  if (degree === '2D') {
    const codes = new Set<string>();
    for await (const subject of source.subjects()) {
      const node = take(matiereEntry(uai, subject));
      if (!node) continue;
      const code = subject.code!.trim();
      if (codes.has(code)) duplicate('subject', subject.id, 'code', `another subject of ${uai} has code ${code}; GARMatiere is unique by UAI and code`);
      else {
        codes.add(code);
        await add('Etab', node);
      }
    }
  }

  // Groups are kept by id, small as they are, for the memberships that come last.
  const groups = new Map<string, { group: GarGroup; code: string; mef?: string }>();
  const leftOut = new Set<string>();
  const groupCodes = new Set<string>();
  const levelsWithoutCode = new Set<string>();
  for await (const group of source.groups()) {
    const node = take(groupeEntry(uai, group));
    const code = group.code?.trim() ?? '';
    if (node && groupCodes.has(code)) duplicate('group', group.id, 'code', `another class or group of ${uai} has code ${code}; GARGroupe is unique by code and UAI`);
    if (!node || groupCodes.has(code)) {
      leftOut.add(group.id);
      continue;
    }
    groupCodes.add(code);
    const mef = group.kind === 'division' ? mefCodeOf(group.level, degree) : undefined;
    if (group.kind === 'division' && group.level && !mef && !levelsWithoutCode.has(group.level)) {
      levelsWithoutCode.add(group.level);
      const element = degree === '2D' ? 'GARPersonMEF needs a MEF code of 11 digits' : 'GARPersonMEFSTAT4 needs a MEFSTAT4 code of 4 digits';
      problems.push({ entity: 'group', id: group.id, field: 'level', code: 'no-mef-code', severity: 'warning', detail: `level ${JSON.stringify(group.level)} (class ${code} and any other at that level) is not a code: ${element}, so their members get none` });
    }
    groups.set(group.id, { group, code, ...(mef ? { mef } : {}) });
  }
  const divisions = [...groups.values()].some(({ group }) => group.kind === 'group') ? await divisionsOfGroups(source, groups, today) : new Map<string, string[]>();
  // Built again with its classes; its problems were taken above.
  for (const { group } of groups.values()) await add('Groupe', groupeEntry(uai, group, divisions.get(group.id)).node!);

  const people = new Map<string, GarFileKind>();
  for await (const person of source.people(['pupil', 'teacher', 'staff'])) {
    const node = take(personEntry(uai, person, degree));
    if (!node) {
      leftOut.add(person.id);
      continue;
    }
    const kind = person.kind === 'pupil' ? 'Eleve' : 'Enseignant';
    people.set(person.id, kind);
    await add(kind, node);
  }

  // Each membership is a GARPersonGroupe and, in a class with a MEF code, a GARPersonMEF in its person's file;
  // the schemas' keys allow one of each per person and code.
  const written = new Set<string>();
  for await (const membership of source.memberships()) {
    if (ended(membership, today)) continue;
    const group = groups.get(membership.groupId);
    const kind = people.get(membership.personId);
    if (!group || !kind) {
      if (leftOut.has(membership.groupId) || leftOut.has(membership.personId)) continue;
      const missing = group ? `person ${membership.personId}, who is none of the pupils, teachers and staff` : `class or group ${membership.groupId}, which is not`;
      problems.push({ entity: 'membership', id: membership.id, field: group ? 'personId' : 'groupId', code: 'unknown-link', severity: 'error', detail: `the membership names ${missing} of ${uai}; left out` });
      continue;
    }
    const groupKey = `${membership.personId} G ${group.code}`;
    if (!written.has(groupKey)) {
      written.add(groupKey);
      await add('Groupe', personGroupeEntry(uai, membership.personId, group.code));
    }
    const mefKey = `${membership.personId} M ${group.mef}`;
    if (group.mef && !written.has(mefKey)) {
      written.add(mefKey);
      await add(kind, personMefEntry(uai, membership.personId, group.mef, degree));
    }
  }

  const files: string[] = [];
  for (const kind of KINDS) files.push(...(await series[kind].close()));
  return { degree, packageName: garPackageName(naming), files, counts, problems };
}

const ended = (membership: GarMembership, today: string): boolean => membership.endDate !== undefined && membership.endDate < today;

/** The classes each teaching group draws from: those its pupils are in, by code. */
async function divisionsOfGroups(source: GarSource, groups: ReadonlyMap<string, { group: GarGroup; code: string }>, today: string): Promise<Map<string, string[]>> {
  const classesOf = new Map<string, Set<string>>();
  const pupilsOf = new Map<string, string[]>();
  for await (const membership of source.memberships()) {
    const to = groups.get(membership.groupId);
    if (membership.role !== 'pupil' || !to || ended(membership, today)) continue;
    if (to.group.kind === 'division') classesOf.set(membership.personId, (classesOf.get(membership.personId) ?? new Set()).add(to.code));
    else pupilsOf.set(membership.groupId, [...(pupilsOf.get(membership.groupId) ?? []), membership.personId]);
  }
  return new Map([...pupilsOf].map(([groupId, pupils]) => [groupId, [...new Set(pupils.flatMap((id) => [...(classesOf.get(id) ?? [])]))].sort()]));
}
