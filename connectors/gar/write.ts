// Out: the GAR-ENT complete files of one establishment (GAR-ENT.xsd v1.7, or GAR-ENT-1D.xsd v1.4 for an école),
// streamed: every entry goes to its file as soon as it is built. Written: GAREtab, GARMEF and GARMatiere (Etab),
// GAREleve and GARPersonMEF (Eleve), GAREnseignant for teachers and staff with GARPersonMEF (Enseignant),
// GARGroupe (a teaching group with the classes its pupils are in), GARPersonGroupe, and GAREnsGroupeMatiere and
// GAREnsClasseMatiere (the subjects each teacher teaches in a group or class) (Groupe); the 1D files take
// GARPersonMEFSTAT4 and no subjects. GARRespAff is never written: a complete RespAff file without them
// would withdraw every resource-assigning staff member the GAR knows.
import { ensMatiereEntry, etabEntry, garMefOf, groupeEntry, matiereEntry, mefEntry, personEntry, personGroupeEntry, personMefEntry, type Built } from './entries.js';
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

interface KeptGroup {
  group: GarGroup;
  code: string;
  /** A class's MEF, as the degree's files take it. */
  mef?: { code: string; label: string };
}

/** One export under way: where entries go, what was counted and reported, and which records were left out. */
class Run {
  readonly uai: string;
  readonly degree: GarDegree;
  /** The export's date in Paris, ISO: memberships that ended before it are over. */
  readonly today: string;
  readonly counts: Record<string, number> = {};
  readonly problems: GarProblem[] = [];
  readonly leftOut = new Set<string>();
  /** The GARMatiere code of each subject written, by subject id: teachers' subjects name them. */
  readonly subjectCodes = new Map<string, string>();
  private readonly series: Record<GarFileKind, GarFileSeries>;

  constructor(readonly source: GarSource, sink: GarSink, readonly naming: { entId: string; stamp: string; degree: GarDegree }) {
    this.uai = source.establishment.uai;
    this.degree = naming.degree;
    this.today = `${naming.stamp.slice(0, 4)}-${naming.stamp.slice(4, 6)}-${naming.stamp.slice(6, 8)}`;
    this.series = Object.fromEntries(KINDS.map((kind) => [kind, new GarFileSeries(sink, naming, kind)])) as Record<GarFileKind, GarFileSeries>;
  }

  take(built: Built): GarNode | undefined {
    this.problems.push(...built.problems);
    return built.node;
  }

  async add(kind: GarFileKind, node: GarNode): Promise<void> {
    await this.series[kind].add(node);
    this.counts[node.name] = (this.counts[node.name] ?? 0) + 1;
  }

  duplicate(entity: GarProblem['entity'], id: string, detail: string): void {
    this.problems.push({ entity, id, field: 'code', code: 'duplicate-key', detail, severity: 'error' });
  }

  ended(membership: GarMembership): boolean {
    return membership.endDate !== undefined && membership.endDate < this.today;
  }

  async close(): Promise<string[]> {
    const files: string[] = [];
    for (const kind of KINDS) files.push(...(await this.series[kind].close()));
    return files;
  }
}

export async function writeGar(source: GarSource, sink: GarSink, options: GarWriteOptions): Promise<GarWriteResult> {
  const degree: GarDegree = source.establishment.type === 'ecole' ? '1D' : '2D';
  const naming = { entId: options.entId, stamp: garStamp(options.now), degree };
  const run = new Run(source, sink, naming);
  // Classes come before the Etab file is written: it lists the MEFs they follow.
  const groups = await keptGroups(run);
  await writeEstablishment(run, groups);
  await writeGroups(run, groups);
  const people = await writePeople(run);
  await writeMemberships(run, groups, people);
  const files = await run.close();
  return { degree, packageName: garPackageName(naming), files, counts: run.counts, problems: run.problems };
}

async function writeEstablishment(run: Run, groups: ReadonlyMap<string, KeptGroup>): Promise<void> {
  const etab = run.take(etabEntry(run.source.establishment));
  if (etab) await run.add('Etab', etab);
  if (run.degree === '1D') return;
  // One GARMEF per code (the schema's key), labelled as the first class that has it.
  const mefs = new Map<string, { code: string; label: string }>();
  for (const { mef } of groups.values()) if (mef && !mefs.has(mef.code)) mefs.set(mef.code, mef);
  for (const mef of [...mefs.values()].sort((a, b) => (a.code < b.code ? -1 : 1))) await run.add('Etab', mefEntry(run.uai, mef));
  const codes = new Set<string>();
  for await (const subject of run.source.subjects()) {
    const node = run.take(matiereEntry(run.uai, subject));
    if (!node) continue;
    const code = subject.code!.trim();
    if (codes.has(code)) {
      run.duplicate('subject', subject.id, `another subject of ${run.uai} has code ${code}; GARMatiere is unique by UAI and code`);
      continue;
    }
    codes.add(code);
    run.subjectCodes.set(subject.id, code);
    await run.add('Etab', node);
  }
}

/** The groups GAR-ENT can hold, by id: few enough to keep for the memberships that come last. */
async function keptGroups(run: Run): Promise<Map<string, KeptGroup>> {
  const groups = new Map<string, KeptGroup>();
  const codes = new Set<string>();
  const levelsWithoutCode = new Set<string>();
  for await (const group of run.source.groups()) {
    const node = run.take(groupeEntry(run.uai, group));
    const code = group.code?.trim() ?? '';
    if (node && codes.has(code)) run.duplicate('group', group.id, `another class or group of ${run.uai} has code ${code}; GARGroupe is unique by code and UAI`);
    if (!node || codes.has(code)) {
      run.leftOut.add(group.id);
      continue;
    }
    codes.add(code);
    const mef = group.kind === 'division' ? garMefOf(group, run.degree) : undefined;
    const needs = run.degree === '2D' ? 'GARPersonMEF needs a MEF code of 11 characters' : 'GARPersonMEFSTAT4 needs a MEFSTAT4 code of 4 digits';
    if (group.kind === 'division' && group.mef && !mef) {
      run.problems.push({ entity: 'group', id: group.id, field: 'mef', code: 'no-mef-code', severity: 'warning', detail: `MEF ${group.mef.code} of class ${code} is not a code this establishment's files take: ${needs}, so its members get none` });
    } else if (group.kind === 'division' && group.level && !mef && !levelsWithoutCode.has(group.level)) {
      levelsWithoutCode.add(group.level);
      run.problems.push({ entity: 'group', id: group.id, field: 'level', code: 'no-mef-code', severity: 'warning', detail: `class ${code} has no MEF and its level ${JSON.stringify(group.level)} (as any other class at that level) is not a code: ${needs}, so their members get none` });
    }
    groups.set(group.id, { group, code, ...(mef ? { mef } : {}) });
  }
  return groups;
}

async function writeGroups(run: Run, groups: ReadonlyMap<string, KeptGroup>): Promise<void> {
  const teaching = [...groups.values()].some(({ group }) => group.kind === 'group');
  const divisions = teaching ? await divisionsOfGroups(run, groups) : new Map<string, string[]>();
  // Built again with its classes; its problems were taken when it was kept.
  for (const { group } of groups.values()) await run.add('Groupe', groupeEntry(run.uai, group, divisions.get(group.id)).node!);
}

/** The classes each teaching group draws from: those its current pupils are in, by code. */
async function divisionsOfGroups(run: Run, groups: ReadonlyMap<string, KeptGroup>): Promise<Map<string, string[]>> {
  const classesOf = new Map<string, Set<string>>();
  const pupilsOf = new Map<string, string[]>();
  for await (const membership of run.source.memberships()) {
    const to = groups.get(membership.groupId);
    if (membership.role !== 'pupil' || !to || run.ended(membership)) continue;
    if (to.group.kind === 'division') classesOf.set(membership.personId, (classesOf.get(membership.personId) ?? new Set()).add(to.code));
    else if (pupilsOf.has(membership.groupId)) pupilsOf.get(membership.groupId)!.push(membership.personId);
    else pupilsOf.set(membership.groupId, [membership.personId]);
  }
  return new Map([...pupilsOf].map(([groupId, pupils]) => [groupId, [...new Set(pupils.flatMap((id) => [...(classesOf.get(id) ?? [])]))].sort()]));
}

/** Writes pupils, teachers and staff; returns the file each person went to, by id. */
async function writePeople(run: Run): Promise<Map<string, GarFileKind>> {
  const people = new Map<string, GarFileKind>();
  for await (const person of run.source.people(['pupil', 'teacher', 'staff'])) {
    const node = run.take(personEntry(run.uai, person, run.degree));
    if (!node) {
      run.leftOut.add(person.id);
      continue;
    }
    const kind = person.kind === 'pupil' ? 'Eleve' : 'Enseignant';
    people.set(person.id, kind);
    await run.add(kind, node);
  }
  return people;
}

/**
 * Each current membership is a GARPersonGroupe and, in a class with a MEF code, a GARPersonMEF in its person's
 * file; the schemas' keys allow one of each per person and code. A teacher's subjects there make its
 * GAREnsGroupeMatiere or GAREnsClasseMatiere, written after every GARPersonGroupe as the Groupe file's
 * sequence requires (groups' first, then classes').
 */
async function writeMemberships(run: Run, groups: ReadonlyMap<string, KeptGroup>, people: ReadonlyMap<string, GarFileKind>): Promise<void> {
  const written = new Set<string>();
  const teaching = new Map<string, { kind: GarGroup['kind']; personId: string; code: string; subjects: Set<string> }>();
  for await (const membership of run.source.memberships()) {
    if (run.ended(membership)) continue;
    const group = groups.get(membership.groupId);
    const kind = people.get(membership.personId);
    if (!group || !kind) {
      if (run.leftOut.has(membership.groupId) || run.leftOut.has(membership.personId)) continue;
      const missing = group ? `person ${membership.personId}, who is none of the pupils, teachers and staff` : `class or group ${membership.groupId}, which is not`;
      run.problems.push({ entity: 'membership', id: membership.id, field: group ? 'personId' : 'groupId', code: 'unknown-link', severity: 'error', detail: `the membership names ${missing} of ${run.uai}; left out` });
      continue;
    }
    const groupKey = `${membership.personId} G ${group.code}`;
    if (!written.has(groupKey)) {
      written.add(groupKey);
      await run.add('Groupe', personGroupeEntry(run.uai, membership.personId, group.code));
    }
    const mefKey = `${membership.personId} M ${group.mef?.code}`;
    if (group.mef && !written.has(mefKey)) {
      written.add(mefKey);
      await run.add(kind, personMefEntry(run.uai, membership.personId, group.mef.code, run.degree));
    }
    if (membership.role === 'teacher' && run.degree === '2D' && membership.subjectIds?.length) {
      const taught = teaching.get(groupKey) ?? { kind: group.group.kind, personId: membership.personId, code: group.code, subjects: new Set<string>() };
      teaching.set(groupKey, taught);
      for (const id of subjectCodesOf(run, membership)) taught.subjects.add(id);
    }
  }
  for (const kind of ['group', 'division'] as const) {
    for (const taught of teaching.values()) {
      if (taught.kind === kind && taught.subjects.size) await run.add('Groupe', ensMatiereEntry(run.uai, kind, taught.personId, taught.code, [...taught.subjects].sort()));
    }
  }
}

/** The GARMatiere codes of a teacher membership's subjects; one that was not written is reported and left out. */
function subjectCodesOf(run: Run, membership: GarMembership): string[] {
  return (membership.subjectIds ?? []).flatMap((id) => {
    const code = run.subjectCodes.get(id);
    if (code !== undefined) return [code];
    run.problems.push({ entity: 'membership', id: membership.id, field: 'subjectIds', code: 'unknown-subject', severity: 'warning', detail: `subject ${id} is none of the subjects written to GARMatiere; the teacher's subjects in the group leave it out` });
    return [];
  });
}
