// A collège's roster as STS-Web gives it, written through the one write path: teachers with their STS-Web ids,
// classes and groups by code, subjects by their national code and name, and the rooms the test names. Returns
// the ids, by family name (teachers), code (classes, groups, rooms) or name (subjects).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { applyBatch } from '../../gateway/store/records.js';
import type { Database } from '../../gateway/store/tables.js';
import { upsert } from './fixtures.js';

export interface RosterSpec {
  /** `[familyName, givenName, sts-web id]`. */
  teachers?: readonly [string, string, string][];
  divisions?: readonly string[];
  /** Groups by code. */
  groups?: readonly string[];
  /** `[national code, name]`. */
  subjects?: readonly [string, string][];
  /** Room codes, with a building. */
  rooms?: readonly [string, string][];
}

export interface RosterIds {
  teachers: Record<string, string>;
  groups: Record<string, string>;
  subjects: Record<string, string>;
  rooms: Record<string, string>;
}

export async function writeRoster(db: Kysely<Database>, uai: string, spec: RosterSpec): Promise<RosterIds> {
  const ids: RosterIds = { teachers: {}, groups: {}, subjects: {}, rooms: {} };
  const operations = [
    ...(spec.teachers ?? []).map(([familyName, givenName, stsId]) => {
      ids.teachers[familyName] = randomUUID();
      return upsert('person', { id: ids.teachers[familyName], kind: 'teacher', familyName, givenName, sourceIds: { 'sts-web': stsId } });
    }),
    ...(spec.divisions ?? []).map((code) => {
      ids.groups[code] = randomUUID();
      return upsert('group', { id: ids.groups[code], kind: 'division', code, name: code, sourceIds: { 'sts-web': `D-${code}` } });
    }),
    ...(spec.groups ?? []).map((code) => {
      ids.groups[code] = randomUUID();
      return upsert('group', { id: ids.groups[code], kind: 'group', code, name: code, sourceIds: { 'sts-web': `G-${code}` } });
    }),
    ...(spec.subjects ?? []).map(([code, name]) => {
      ids.subjects[name] = randomUUID();
      return upsert('subject', { id: ids.subjects[name], code, name, sourceIds: { 'sts-web': code } });
    }),
    ...(spec.rooms ?? []).map(([code, building]) => {
      ids.rooms[code] = randomUUID();
      return upsert('room', { id: ids.rooms[code], code, name: `Salle ${code}`, building });
    }),
  ];
  await applyBatch(db, uai, operations as never);
  return ids;
}
