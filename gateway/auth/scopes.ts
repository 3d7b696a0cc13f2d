// The scopes an API client can hold. Each feed route declares the one it needs.
export const SCOPES = [
  'roster.read',
  'roster.identifiers',
  'roster.contacts',
  'timetable.read',
  'occupancy.read',
  'aggregates.read',
  'sync.write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The scopes help texts offer. aggregates.read is reserved for the aggregates feed, not served yet: a client may
 * hold it, but it is not advertised.
 */
export const SERVED_SCOPES: readonly Scope[] = ['roster.read', 'roster.identifiers', 'roster.contacts', 'timetable.read', 'occupancy.read', 'sync.write', 'admin'];

/**
 * The scopes a relying party (a service people log in to through the gateway's SSO) may be registered for: what
 * it may learn of the person (gateway/sso/claims.ts says which claims each releases). They grant no API access.
 */
export const SSO_SCOPES = ['openid', 'profile', 'school', 'classes', 'role', 'children', 'offline_access'] as const;
export type SsoScope = (typeof SSO_SCOPES)[number];

export function isSsoScope(value: string): value is SsoScope {
  return (SSO_SCOPES as readonly string[]).includes(value);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling, as established by the bearer token and the client's current record. */
export interface Caller {
  readonly clientId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The client's perimeter entries as stored (`uai:…`, `departement:…`, `national`). */
  readonly perimeter: readonly string[];
  /** The version of the client record these came from: a cached caller is checked against the store by it. */
  readonly version: string;
  /** The scopes the access token carries (the client's current scopes bound them: see `scopes`). */
  readonly tokenScopes: readonly string[];
}

/** The caller a token's scopes and the client's current record make. */
export function callerOf(clientId: string, tokenScopes: readonly string[], client: { scopes: readonly string[]; perimeter: readonly string[]; version: string }): Caller {
  const held = new Set(client.scopes);
  return {
    clientId,
    // The client's current scopes bound the token's: a scope removed since issuance no longer counts.
    scopes: new Set(tokenScopes.filter((s): s is Scope => isScope(s) && held.has(s))),
    perimeter: client.perimeter,
    version: client.version,
    tokenScopes,
  };
}
