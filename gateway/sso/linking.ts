// From an upstream identity to the roster people it is: through join keys only (an AAF id, a FrEduVecteur's
// pupil id in its UAI, the hash of an INE), never names alone. Several people may be found when they are
// several roles of one person (a teacher who is a parent, a pupil in two establishments); two people of the same
// kind in the same establishment cannot be one person's roles, and make the identity ambiguous: no one is chosen.
import type { Kysely } from 'kysely';
import type { Database } from '../store/tables.js';
import { accountFor, relinkAccount } from '../store/sso/accounts.js';
import { guardiansOf, personBySourceIdIn, personsBySourceId, pupilsByIneMd5, type SsoPerson } from '../store/sso/people.js';
import type { UpstreamRole } from './config.js';
import type { JoinKey, UpstreamIdentity } from './identity.js';

/** The role a relying party is told: a guardian is a `parent`. */
export type ClaimRole = 'pupil' | 'parent' | 'teacher' | 'staff';

/**
 * One way the person can be logged in: a pupil, teacher or staff member in one establishment, or a parent (of
 * every child their guardian records lead to, wherever they are).
 */
export interface Choice {
  /** The person's id, or `parent`. */
  readonly key: string;
  readonly role: ClaimRole;
  readonly people: readonly SsoPerson[];
}

export type LinkOutcome =
  | { readonly kind: 'linked'; readonly accountId: string; readonly people: readonly SsoPerson[]; readonly newlyLinked: readonly SsoPerson[] }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'ambiguous'; readonly people: readonly SsoPerson[] };

const KINDS_OF_ROLE: Record<UpstreamRole, readonly SsoPerson['kind'][]> = {
  pupil: ['pupil'],
  guardian: ['guardian'],
  teacher: ['teacher', 'staff'],
  staff: ['teacher', 'staff'],
};

/** The roster people an identity's keys lead to, filtered by the role the provider asserts. */
export async function peopleOf(db: Kysely<Database>, identity: UpstreamIdentity): Promise<SsoPerson[]> {
  const found = new Map<string, SsoPerson>();
  for (const key of identity.keys) for (const person of await peopleOfKey(db, key)) found.set(person.id, person);
  const kinds = identity.role ? KINDS_OF_ROLE[identity.role] : undefined;
  return [...found.values()].filter((p) => !kinds || kinds.includes(p.kind));
}

async function peopleOfKey(db: Kysely<Database>, key: JoinKey): Promise<SsoPerson[]> {
  switch (key.kind) {
    case 'source-id':
      return personsBySourceId(db, key.source, key.value);
    case 'ine-hash':
      return pupilsByIneMd5(db, key.value);
    case 'vector': {
      const pupil = await personBySourceIdIn(db, key.uai, key.source, key.pupilId);
      if (!pupil || pupil.kind !== 'pupil') return [];
      if (!key.guardian) return [pupil];
      // A parent's vector names the child; the parent is the one of the child's guardians with the vector's names.
      const named = (await guardiansOf(db, pupil)).filter((g) => sameName(g.familyName, key.guardian!.familyName) && sameName(g.givenName, key.guardian!.givenName));
      return named;
    }
  }
}

function sameName(a: string, b: string): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[^\p{L}]+/gu, ' ').trim().toLowerCase();
  return fold(a) !== '' && fold(a) === fold(b);
}

/** Two people of the same kind in one establishment: the keys do not tell who this is. */
export function isAmbiguous(people: readonly SsoPerson[]): boolean {
  const seen = new Set<string>();
  return people.some((p) => {
    const place = `${p.uai} ${p.kind === 'staff' ? 'teacher' : p.kind}`;
    if (seen.has(place)) return true;
    seen.add(place);
    return false;
  });
}

/** Finds the identity's people and records the account and its links (idempotent under concurrent logins). */
export async function linkIdentity(db: Kysely<Database>, identity: UpstreamIdentity): Promise<LinkOutcome> {
  const people = await peopleOf(db, identity);
  if (!people.length) return { kind: 'unknown' };
  if (isAmbiguous(people)) return { kind: 'ambiguous', people };
  const account = await accountFor(db, identity.provider, identity.subject);
  const newlyLinked = await relinkAccount(db, account.id, people);
  return { kind: 'linked', accountId: account.id, people, newlyLinked };
}

/** The ways these people can be logged in, in a stable order: each pupil, teacher or staff record, then parent. */
export function choicesOf(people: readonly SsoPerson[]): Choice[] {
  const choices: Choice[] = people
    .filter((p) => p.kind !== 'guardian')
    .map((p) => ({ key: p.id, role: p.kind as Exclude<SsoPerson['kind'], 'guardian'>, people: [p] }));
  const guardians = people.filter((p) => p.kind === 'guardian');
  if (guardians.length) choices.push({ key: 'parent', role: 'parent', people: guardians });
  return choices;
}

/** The oidc-provider account id of a login: the account and the choice made (`{account}~{key}`). */
export function accountIdOf(accountId: string, choice: Choice): string {
  return `${accountId}~${choice.key}`;
}

export function parseAccountId(id: string): { accountId: string; choiceKey: string } | undefined {
  const match = /^([0-9a-f-]{36})~([0-9a-f-]{36}|parent)$/.exec(id);
  return match ? { accountId: match[1], choiceKey: match[2] } : undefined;
}
