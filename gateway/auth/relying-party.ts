// A relying party's registration: the services people log in to through the gateway's single sign-on, and the
// checks on what they register (redirect URIs matched exactly at login, so they must be exactly right here).
import { ClientError, type ClientField } from './client-error.js';
import { isSecureOrLoopback } from '../config/loopback.js';

export type ClientKind = 'api' | 'relying-party';

/** What a relying party is registered for. */
export interface RelyingPartyMetadata {
  /** SSO scopes (auth/scopes.ts SSO_SCOPES), openid always among them. */
  readonly scopes: readonly string[];
  /** Matched exactly at the authorization endpoint. */
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  /** Told by a logout token when the person's gateway session ends. */
  readonly backchannelLogoutUri: string | null;
  /** May get refresh tokens (with the offline_access scope). */
  readonly refreshTokens: boolean;
  /** Receives every role of a person with several in one login (`roles`), instead of the one chosen. */
  readonly allRoles: boolean;
  /**
   * The gateway's own dashboard (/dashboard) for the people of its perimeter: a public client (the page holds no
   * secret; PKCE protects its codes) whose logins give a token for the aggregates feed, with its perimeter.
   */
  readonly dashboard: boolean;
}

export interface NewRelyingPartyInput {
  redirectUris: readonly string[];
  postLogoutRedirectUris?: readonly string[];
  backchannelLogoutUri?: string;
  refreshTokens?: boolean;
  allRoles?: boolean;
  dashboard?: boolean;
}

/** The one API scope a dashboard party holds: what its logins may read of /v1. */
export const DASHBOARD_SCOPE = 'aggregates.read';

/** Whether a client row is a dashboard party: a relying party registered for the aggregates feed. */
export function isDashboardParty(row: { kind: ClientKind; scopes: readonly string[] }): boolean {
  return row.kind === 'relying-party' && row.scopes.includes(DASHBOARD_SCOPE);
}

const MAX_REDIRECT_URIS = 20;

export function validateRelyingParty(input: NewRelyingPartyInput): RelyingPartyMetadata {
  const redirectUris = validateUris(input.redirectUris, 'redirectUris', 'a redirect URI');
  if (!redirectUris.length) throw new ClientError('a relying party needs at least one redirect URI, such as https://ent.example.fr/oidc/callback', { field: 'redirectUris' });
  const backchannel = input.backchannelLogoutUri === undefined ? [] : validateUris([input.backchannelLogoutUri], 'backchannelLogoutUri', 'a back-channel logout URI');
  return {
    scopes: [],
    redirectUris,
    postLogoutRedirectUris: validateUris(input.postLogoutRedirectUris ?? [], 'postLogoutRedirectUris', 'a post-logout redirect URI'),
    backchannelLogoutUri: backchannel[0] ?? null,
    refreshTokens: input.refreshTokens ?? false,
    allRoles: input.allRoles ?? false,
    dashboard: input.dashboard ?? false,
  };
}

/**
 * Absolute https URLs without a fragment (compared exactly, character for character, at login); plain http
 * only on a loopback address (a developer's machine, a native application).
 */
function validateUris(uris: readonly string[], field: ClientField, what: string): string[] {
  if (uris.length > MAX_REDIRECT_URIS) throw new ClientError(`at most ${MAX_REDIRECT_URIS} of them`, { field });
  return [...new Set(uris.map((uri) => {
    const text = uri.trim();
    if (!URL.canParse(text)) throw new ClientError(`"${text}" is not ${what}: expected an absolute URL such as https://ent.example.fr/oidc/callback`, { field });
    const url = new URL(text);
    if (!isSecureOrLoopback(url)) {
      throw new ClientError(`"${text}" must use https (plain http only on 127.0.0.1, [::1] or localhost)`, { field });
    }
    if (url.hash || text.includes('#')) throw new ClientError(`"${text}" must not have a fragment (#…)`, { field });
    if (url.username || url.password) throw new ClientError(`"${text}" must not carry credentials`, { field });
    return text;
  }))];
}
