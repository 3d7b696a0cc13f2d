// The claims a relying party receives about the person logged in: only those of the scopes it was granted,
// only about establishments inside its perimeter, with pairwise identifiers (its `sub`, and each child's), and
// never an INE or a source's identifier.
import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { perimeterCovers } from '../perimeter/visibility.js';
import { childrenOf, classesOf, establishmentsOf, type SsoClass, type SsoEstablishment, type SsoPerson } from '../store/sso/people.js';
import type { AccountContexts } from './account-contexts.js';
import type { Database } from '../store/tables.js';
import { choicesOf, parseAccountId, type Choice } from './linking.js';

/** The scopes a relying party may hold, and the claims each one releases. */
export const SSO_CLAIMS = {
  openid: ['sub'],
  profile: ['given_name', 'family_name'],
  school: ['uai', 'establishment_type'],
  classes: ['classes'],
  role: ['role', 'roles'],
  children: ['children'],
} as const;

/** What the claims depend on about the relying party. */
export interface ClaimsClient {
  readonly clientId: string;
  readonly perimeter: readonly PerimeterEntry[];
  /** Receives every role of the person (`roles`), not only the one chosen at login. */
  readonly allRoles: boolean;
}

/** A subject identifier for one relying party: the same base gives the same value there, and unrelated values elsewhere. */
export type Pairwise = (clientId: string, base: string) => string;

export function pairwiseWith(key: Buffer): Pairwise {
  return (clientId, base) => createHmac('sha256', key).update(`${clientId}\u0000${base}`).digest('base64url');
}

/**
 * What `sub` is derived from for a login: the person chosen (so the same pupil reached through two providers is
 * one subject), the parent's account, or the account for a relying party that receives every role.
 */
export function subjectBase(oidcAccountId: string, client: Pick<ClaimsClient, 'allRoles'>): string {
  const parsed = parseAccountId(oidcAccountId);
  if (!parsed) return oidcAccountId;
  if (client.allRoles || parsed.choiceKey === 'parent') return `${parsed.accountId}~${client.allRoles ? 'all' : 'parent'}`;
  return parsed.choiceKey;
}

export interface RoleClaims {
  role: string;
  uai?: string;
  establishment_type?: string;
  classes?: { kind: string; code: string; name?: string }[];
  children?: ChildClaims[];
}

export interface ChildClaims {
  sub: string;
  uai: string;
  given_name?: string;
  family_name?: string;
  classes?: { kind: string; code: string; name?: string }[];
}

/**
 * Everything a relying party granted `scopes` may receive about the login `oidcAccountId`, `sub` excluded, and
 * the establishments of the people it is about (for the audit log).
 */
export async function claimsFor(
  db: Kysely<Database>,
  accounts: AccountContexts,
  oidcAccountId: string,
  client: ClaimsClient,
  scopes: ReadonlySet<string>,
  pairwise: Pairwise,
): Promise<{ claims: Record<string, unknown>; uais: string[] }> {
  const parsed = parseAccountId(oidcAccountId);
  if (!parsed) return { claims: {}, uais: [] };
  const { people, establishments } = await accounts.get(parsed.accountId);
  const choices = choicesOf(people);
  const chosen = choices.find((c) => c.key === parsed.choiceKey);
  if (!chosen) return { claims: {}, uais: [] };
  const released = client.allRoles ? choices : [chosen];
  const inPerimeter = (uai: string) => coversUai(client.perimeter, establishments, uai);
  const roles = await Promise.all(released.map((choice) => roleClaims(db, choice, client, scopes, pairwise, establishments, inPerimeter)));
  const visible = roles.filter((r): r is RoleClaims => r !== undefined);
  const claims: Record<string, unknown> = {};
  if (scopes.has('profile')) {
    const named = chosen.people[0];
    claims.given_name = named.givenName;
    claims.family_name = named.familyName;
  }
  if (client.allRoles) {
    if (scopes.has('role')) claims.roles = visible;
  } else if (visible[0]) {
    Object.assign(claims, visible[0]);
    if (!scopes.has('role')) delete claims.role;
  }
  const uais = [...new Set(released.flatMap((choice) => choice.people.map((p) => p.uai)).filter(inPerimeter))];
  return { claims, uais };
}

async function roleClaims(
  db: Kysely<Database>,
  choice: Choice,
  client: ClaimsClient,
  scopes: ReadonlySet<string>,
  pairwise: Pairwise,
  establishments: readonly SsoEstablishment[],
  inPerimeter: (uai: string) => boolean,
): Promise<RoleClaims | undefined> {
  const claims: RoleClaims = { role: choice.role };
  if (choice.role === 'parent') {
    if (scopes.has('children')) {
      const children = await childrenOf(db, choice.people);
      const childEstablishments = await establishmentsOf(db, children.map((c) => c.uai));
      const visible = children.filter((c) => coversUai(client.perimeter, childEstablishments, c.uai));
      const classes = scopes.has('classes') ? await classesOf(db, visible) : [];
      claims.children = visible.map((child) => ({
        sub: pairwise(client.clientId, child.id),
        uai: child.uai,
        ...(scopes.has('profile') ? { given_name: child.givenName, family_name: child.familyName } : {}),
        ...(scopes.has('classes') ? { classes: classesClaim(classes, child) } : {}),
      }));
    }
    return claims;
  }
  const [person] = choice.people;
  if (!inPerimeter(person.uai)) return undefined;
  if (scopes.has('school')) {
    claims.uai = person.uai;
    claims.establishment_type = establishments.find((e) => e.uai === person.uai)?.type;
  }
  if (scopes.has('classes')) claims.classes = classesClaim(await classesOf(db, [person]), person);
  return claims;
}

function classesClaim(classes: readonly SsoClass[], person: SsoPerson) {
  return classes.filter((c) => c.personId === person.id).map((c) => ({ kind: c.kind, code: c.code, ...(c.name ? { name: c.name } : {}) }));
}

/** Whether the establishment `uai`, among `establishments` already read, is inside `perimeter`. */
export function coversUai(perimeter: readonly PerimeterEntry[], establishments: readonly SsoEstablishment[], uai: string): boolean {
  const establishment = establishments.find((e) => e.uai === uai);
  return !!establishment && perimeterCovers(perimeter, placeOf(establishment));
}

function placeOf(e: SsoEstablishment) {
  return {
    uai: e.uai, type: e.type,
    ...(e.communeCode ? { communeCode: e.communeCode } : {}),
    ...(e.departementCode ? { departementCode: e.departementCode } : {}),
    regionCode: e.regionCode, academieCode: e.academieCode,
  };
}
