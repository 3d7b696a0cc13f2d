// What the GAR export reads: an establishment's canonical records, as plain values, and what it reports about
// those it cannot express in GAR-ENT. Fields a record may lack are optional here: checking them is the
// writer's job, so that a bad record becomes a problem instead of a broken file.

export type GarDegree = '1D' | '2D';

export interface GarEstablishment {
  uai: string;
  name?: string;
  /** The canonical type: `ecole` is first degree (GAR-ENT-1D), every other type second degree. */
  type: string;
  sector?: string;
}

export interface GarPerson {
  id: string;
  kind: 'pupil' | 'teacher' | 'staff' | 'guardian';
  familyName?: string;
  givenName?: string;
  birthDate?: string;
  email?: string;
  /** The AAF function code (`ENS`, `DOC`, `DIR`, `CPE`…) when the source gave one: it picks a staff profile. */
  functionCode?: string;
}

export interface GarGroup {
  id: string;
  kind: 'division' | 'group';
  code?: string;
  name?: string;
  /** A level such as `6E`; when it is itself a MEF (11 digits) or MEFSTAT4 (4 digits) code, it serves as the MEF. */
  level?: string;
  /** The level as the source gave it: an MEF or MEFSTAT4 code there serves as the MEF too. */
  levelSource?: string;
  /** The MEF the class's pupils follow, with its label, when the source gave one. */
  mef?: { code: string; label?: string };
}

export interface GarMembership {
  id: string;
  personId: string;
  groupId: string;
  role: 'pupil' | 'teacher';
  endDate?: string;
  /** A teacher's subjects in the group (subject ids). */
  subjectIds?: string[];
}

export interface GarSubject {
  id: string;
  code?: string;
  name?: string;
}

/** The records of one establishment; the writer asks for each listing when it needs it. */
export interface GarSource {
  establishment: GarEstablishment;
  /** People of the given kinds (guardians have no place in GAR-ENT and are never asked for). */
  people(kinds: readonly GarPerson['kind'][]): AsyncIterable<GarPerson>;
  groups(): AsyncIterable<GarGroup>;
  /** Walked twice: once for the classes of teaching groups, once to write. */
  memberships(): AsyncIterable<GarMembership>;
  subjects(): AsyncIterable<GarSubject>;
}

export interface GarProblem {
  /** The canonical entity and id of the record concerned. */
  entity: 'establishment' | 'person' | 'group' | 'membership' | 'subject';
  id: string;
  field?: string;
  /** `missing-field`, `too-long`, `bad-date`, `no-profile`, `duplicate-key`, `unknown-link`, `no-mef-code`, `unknown-subject`. */
  code: string;
  /** What was found and what GAR-ENT expects, in a sentence. */
  detail: string;
  /** `error`: the record is left out of the files; `warning`: it is written without the field named. */
  severity: 'error' | 'warning';
}
