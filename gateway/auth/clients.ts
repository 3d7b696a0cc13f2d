// Clients: the repository behind `passerelle clients` and the authorization server. An API client holds scopes
// and a perimeter; a relying party (relying-party.ts) holds SSO scopes, redirect URIs and a perimeter. Every change
// of perimeter is versioned by change-log sequence so the change feed can tell a client what entered or left it.
import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { Kysely, Transaction } from 'kysely';
import {
  activePublicPartyRows, appendPerimeterVersion, clientRows, findClientRow, inClientTransaction, insertClientRow, lockClientRow, updateClientRow,
} from '../store/api-clients.js';
import type { ApiClient, Database } from '../store/tables.js';
import { formatPerimeter, parsePerimeter, PerimeterError } from '../perimeter/perimeter.js';
import { isScope, isSsoScope, SCOPES, SSO_SCOPES, type Scope } from './scopes.js';
import { generateClientId, generateClientSecret, hashClientSecret } from './client-secret.js';
import { ClientError, type ClientField } from './client-error.js';
import { DASHBOARD_SCOPE, isDashboardParty, validateRelyingParty, type ClientKind, type NewRelyingPartyInput, type RelyingPartyMetadata } from './relying-party.js';

export { ClientError, type ClientField };
export type { ClientKind, NewRelyingPartyInput, RelyingPartyMetadata };

export type ClientAuthMethod = 'client_secret_basic' | 'private_key_jwt';
/** How a registered client authenticates: `none` is a dashboard party's, a public client (relying-party.ts). */
export type StoredAuthMethod = ClientAuthMethod | 'none';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'private_key_jwt'];

/** Algorithms a client may sign its `private_key_jwt` assertions with (asymmetric only). */
export const CLIENT_ASSERTION_ALGS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA', 'Ed25519'] as const;

/** A client as the rest of the gateway sees it: never its secret hash. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Canonical perimeter entries (`uai:0750655E`, `departement:069`, `national`). */
  readonly perimeter: readonly string[];
  readonly authMethod: StoredAuthMethod;
  /** The public keys of a `private_key_jwt` client; null for secret-based clients. */
  readonly jwks: JSONWebKeySet | null;
  readonly status: 'active' | 'revoked';
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** `api`: calls the API; `relying-party`: logs people in through SSO (its scopes are then in `relyingParty`). */
  readonly kind: ClientKind;
  readonly relyingParty: RelyingPartyMetadata | null;
}

export interface NewClientInput {
  name: string;
  scopes: readonly string[];
  perimeter: readonly string[];
  authMethod?: ClientAuthMethod;
  jwks?: unknown;
  /** Makes the client a relying party: its scopes are then SSO scopes. */
  relyingParty?: NewRelyingPartyInput;
}

export interface ClientUpdateInput {
  name?: string;
  scopes?: readonly string[];
  perimeter?: readonly string[];
}

/**
 * Decides, inside the transaction that changes a client, whether the caller may make that change (an admin
 * client of the API manages only clients within its own reach); throws to refuse, and nothing is written.
 * `before` is absent for a creation; `after` equals `before` for a revocation or a new secret.
 */
export type ClientGuard = (
  trx: Transaction<Database>,
  change: { before?: RegisteredClient; after: { scopes: readonly Scope[]; perimeter: readonly string[] } },
) => Promise<void>;

export interface GuardOption {
  guard?: ClientGuard;
}

export async function createClient(
  db: Kysely<Database>,
  input: NewClientInput,
  { guard }: GuardOption = {},
): Promise<{ client: RegisteredClient; clientSecret?: string }> {
  const name = validateName(input.name);
  const kind: ClientKind = input.relyingParty ? 'relying-party' : 'api';
  const dashboard = input.relyingParty?.dashboard ?? false;
  const scopes = validateScopes(input.scopes, kind, dashboard);
  const perimeter = validatePerimeter(input.perimeter);
  const relyingParty = input.relyingParty ? validateRelyingParty(input.relyingParty) : undefined;
  const authMethod: StoredAuthMethod = dashboard ? 'none' : input.authMethod ?? 'client_secret_basic';
  if (dashboard && (input.authMethod !== undefined || input.jwks !== undefined)) {
    throw new ClientError('a dashboard is a public client (its page keeps no secret, PKCE protects its logins): it takes no auth method nor JWKS', { field: 'authMethod' });
  }
  if (authMethod !== 'none' && !CLIENT_AUTH_METHODS.includes(authMethod)) {
    throw new ClientError(`auth method "${String(authMethod)}": expected one of ${CLIENT_AUTH_METHODS.join(', ')}`, { field: 'authMethod' });
  }
  let jwks: JSONWebKeySet | null = null;
  let clientSecret: string | undefined;
  let secretHash: string | null = null;
  if (authMethod === 'none') {
    // A public client: nothing to authenticate with at the token endpoint.
  } else if (authMethod === 'private_key_jwt') {
    if (input.jwks === undefined) throw new ClientError('private_key_jwt needs the client\'s public keys (a JWKS)', { field: 'jwks' });
    jwks = await validatePublicJwks(input.jwks);
  } else {
    if (input.jwks !== undefined) throw new ClientError('a JWKS is only used with private_key_jwt; client_secret_basic uses a secret', { field: 'jwks' });
    clientSecret = generateClientSecret();
    secretHash = await hashClientSecret(clientSecret);
  }
  const clientId = generateClientId();
  const row = await inClientTransaction(db, async (trx) => {
    await guard?.(trx, { after: { scopes: kind === 'api' ? (scopes as Scope[]) : [], perimeter } });
    const inserted = await insertClientRow(trx, {
      client_id: clientId,
      name,
      scopes,
      perimeter,
      auth_method: authMethod,
      secret_hash: secretHash,
      jwks: jwks ? JSON.stringify(jwks) : null,
      status: 'active',
      kind,
      ...(relyingParty ? {
        redirect_uris: [...relyingParty.redirectUris],
        post_logout_redirect_uris: [...relyingParty.postLogoutRedirectUris],
        backchannel_logout_uri: relyingParty.backchannelLogoutUri,
        refresh_tokens: relyingParty.refreshTokens,
        all_roles: relyingParty.allRoles,
      } : {}),
    });
    await appendPerimeterVersion(trx, clientId, perimeter);
    return inserted;
  });
  return { client: toRegisteredClient(row), ...(clientSecret ? { clientSecret } : {}) };
}

/** Every client, revoked ones included, oldest first. */
export async function listClients(db: Kysely<Database>): Promise<RegisteredClient[]> {
  return (await clientRows(db)).map(toRegisteredClient);
}

/** The active dashboard parties whose people come back to `pageUrl`: what the dashboard page offers to sign in with. */
export async function dashboardsAt(db: Kysely<Database>, pageUrl: string): Promise<{ clientId: string; name: string }[]> {
  return (await activePublicPartyRows(db))
    .filter((row) => isDashboardParty(row) && row.redirect_uris.includes(pageUrl))
    .map((row) => ({ clientId: row.client_id, name: row.name }));
}

/** The client, or undefined when there is none with that id (revoked clients are returned, with their status). */
export async function getClient(db: Kysely<Database>, clientId: string): Promise<RegisteredClient | undefined> {
  const row = await findClientRow(db, clientId);
  return row ? toRegisteredClient(row) : undefined;
}

/**
 * Changes a client's name, scopes or perimeter. A perimeter that differs from the current one is versioned in
 * the same transaction (one change-log sequence number), so the change feed sees exactly when it changed.
 */
export async function updateClient(
  db: Kysely<Database>,
  clientId: string,
  changes: ClientUpdateInput,
  { guard }: GuardOption = {},
): Promise<RegisteredClient> {
  const name = changes.name === undefined ? undefined : validateName(changes.name);
  const perimeter = changes.perimeter === undefined ? undefined : validatePerimeter(changes.perimeter);
  const row = await inClientTransaction(db, async (trx) => {
    const scopesFor = (row: ApiClient) => (changes.scopes === undefined ? undefined : validateScopes(changes.scopes, row.kind, isDashboardParty(row)));
    const current = await lockActive(trx, clientId, guard, (row) => ({
      scopes: row.kind === 'api' ? ((scopesFor(row) as Scope[] | undefined) ?? toRegisteredClient(row).scopes) : [],
      perimeter: perimeter ?? row.perimeter,
    }));
    const scopes = scopesFor(current);
    const perimeterChanged = perimeter !== undefined && !sameEntries(perimeter, current.perimeter);
    const updated = await updateClientRow(trx, clientId, {
      ...(name !== undefined ? { name } : {}),
      ...(scopes !== undefined ? { scopes } : {}),
      ...(perimeterChanged ? { perimeter } : {}),
    });
    if (perimeterChanged) await appendPerimeterVersion(trx, clientId, perimeter);
    return updated;
  });
  return toRegisteredClient(row);
}

/** Revokes a client: its tokens are refused from then on (within the bearer check's short cache). */
export async function revokeClient(db: Kysely<Database>, clientId: string, { guard }: GuardOption = {}): Promise<RegisteredClient> {
  const row = await inClientTransaction(db, async (trx) => {
    const current = await lockRow(trx, clientId, guard);
    if (current.status === 'revoked') return current;
    return updateClientRow(trx, clientId, { status: 'revoked' });
  });
  return toRegisteredClient(row);
}

/** Replaces a secret-based client's secret and returns the new one; the old one stops working at once. */
export async function rotateClientSecret(db: Kysely<Database>, clientId: string, { guard }: GuardOption = {}): Promise<string> {
  const secret = generateClientSecret();
  const hash = await hashClientSecret(secret);
  await inClientTransaction(db, async (trx) => {
    const current = await lockActive(trx, clientId, guard);
    if (current.auth_method !== 'client_secret_basic') {
      throw new ClientError(`client ${clientId} authenticates with ${current.auth_method}; it has no secret to rotate`, { field: 'clientId' });
    }
    await updateClientRow(trx, clientId, { secret_hash: hash });
  });
  return secret;
}

export function toRegisteredClient(row: ApiClient): RegisteredClient {
  return {
    clientId: row.client_id,
    name: row.name,
    scopes: row.kind === 'api' ? row.scopes.filter(isScope) : [],
    perimeter: row.perimeter,
    authMethod: row.auth_method,
    jwks: (row.jwks as JSONWebKeySet | null) ?? null,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    kind: row.kind,
    relyingParty: row.kind === 'relying-party'
      ? {
        scopes: row.scopes.filter((s) => isSsoScope(s) || s === DASHBOARD_SCOPE),
        redirectUris: row.redirect_uris,
        postLogoutRedirectUris: row.post_logout_redirect_uris,
        backchannelLogoutUri: row.backchannel_logout_uri,
        refreshTokens: row.refresh_tokens,
        allRoles: row.all_roles,
        dashboard: isDashboardParty(row),
      }
      : null,
  };
}

/** A client as the admin API and the command line's --json show it: never its secret or its hash. */
export function clientView(client: RegisteredClient) {
  return {
    clientId: client.clientId,
    name: client.name,
    scopes: client.scopes,
    perimeter: client.perimeter,
    authMethod: client.authMethod,
    ...(client.jwks ? { jwks: client.jwks } : {}),
    status: client.status,
    ...(client.relyingParty ? { kind: client.kind, relyingParty: client.relyingParty } : {}),
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}

/** The client's row, locked; the guard sees it before anything is said of it (even that it is revoked). */
async function lockRow(
  trx: Transaction<Database>,
  clientId: string,
  guard: ClientGuard | undefined,
  after?: (row: ApiClient) => { scopes: readonly Scope[]; perimeter: readonly string[] },
): Promise<ApiClient> {
  const row = await lockClientRow(trx, clientId);
  if (!row) throw new ClientError(`no client with id ${clientId}`, { reason: 'not-found', field: 'clientId' });
  if (guard) {
    const before = toRegisteredClient(row);
    await guard(trx, { before, after: after?.(row) ?? before });
  }
  return row;
}

async function lockActive(
  trx: Transaction<Database>,
  clientId: string,
  guard: ClientGuard | undefined,
  after?: (row: ApiClient) => { scopes: readonly Scope[]; perimeter: readonly string[] },
): Promise<ApiClient> {
  const row = await lockRow(trx, clientId, guard, after);
  if (row.status === 'revoked') throw new ClientError(`client ${clientId} is revoked`, { reason: 'revoked', field: 'clientId' });
  return row;
}

function validateName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed) throw new ClientError('name: expected a non-empty name, such as "ENT Lyon"', { field: 'name' });
  if (trimmed.length > 200) throw new ClientError('name: expected at most 200 characters', { field: 'name' });
  return trimmed;
}

/** `dashboard`: a dashboard party, whose scopes are SSO scopes and aggregates.read (which only it may hold). */
function validateScopes(scopes: readonly string[], kind: ClientKind, dashboard = false): string[] {
  const cleaned = scopes.map((s) => s.trim()).filter((s) => s !== '');
  if (kind === 'relying-party') {
    const allowed: readonly string[] = dashboard ? [...SSO_SCOPES, DASHBOARD_SCOPE] : SSO_SCOPES;
    for (const scope of cleaned) {
      if (!allowed.includes(scope)) throw new ClientError(`scope "${scope}": a ${dashboard ? 'dashboard' : 'relying party'}'s scopes are among ${allowed.join(', ')}`, { field: 'scopes' });
    }
    if (!cleaned.includes('openid')) throw new ClientError('scopes: a relying party needs openid (and then any of profile, school, classes, role, children, offline_access)', { field: 'scopes' });
    if (dashboard && !cleaned.includes(DASHBOARD_SCOPE)) throw new ClientError(`scopes: a dashboard needs ${DASHBOARD_SCOPE}, what its page reads`, { field: 'scopes' });
    return allowed.filter((s) => cleaned.includes(s));
  }
  for (const scope of cleaned) {
    if (!isScope(scope)) throw new ClientError(`scope "${scope}": expected one of ${SCOPES.join(', ')}`, { field: 'scopes' });
  }
  if (!cleaned.length) throw new ClientError(`scopes: expected at least one of ${SCOPES.join(', ')}`, { field: 'scopes' });
  // Stored in the order of SCOPES, so equal sets compare equal.
  return SCOPES.filter((s) => cleaned.includes(s));
}

function validatePerimeter(perimeter: readonly string[]): string[] {
  try {
    return formatPerimeter(parsePerimeter(perimeter));
  } catch (error) {
    if (error instanceof PerimeterError) throw new ClientError(error.message, { field: 'perimeter' });
    throw error;
  }
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

async function validatePublicJwks(value: unknown): Promise<JSONWebKeySet> {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ClientError('jwks: expected a JSON Web Key Set, {"keys": [ … ]}, with at least one public key', { field: 'jwks' });
  }
  const cleaned: JWK[] = [];
  for (const [i, key] of keys.entries()) {
    if (!key || typeof key !== 'object') throw new ClientError(`jwks.keys[${i}]: expected a JSON Web Key object`, { field: 'jwks' });
    const jwk = key as JWK;
    const secretMember = PRIVATE_JWK_MEMBERS.find((m) => m in jwk);
    if (secretMember) {
      throw new ClientError(`jwks.keys[${i}]: contains private or symmetric key material ("${secretMember}"); register the public key only`, { field: 'jwks' });
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new ClientError(`jwks.keys[${i}]: "use" must be "sig"`, { field: 'jwks' });
    const alg = jwk.alg ?? defaultAlg(jwk);
    if (!alg || !(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg)) {
      throw new ClientError(`jwks.keys[${i}]: expected an EC (P-256/P-384), RSA or Ed25519 public key usable with ${CLIENT_ASSERTION_ALGS.join(', ')}`, { field: 'jwks' });
    }
    try {
      await importJWK(jwk, alg);
    } catch (error) {
      throw new ClientError(`jwks.keys[${i}]: not a valid ${alg} public key (${(error as Error).message})`, { field: 'jwks' });
    }
    cleaned.push(jwk);
  }
  return { keys: cleaned };
}

function defaultAlg(jwk: JWK): string | undefined {
  if (jwk.kty === 'EC') return jwk.crv === 'P-256' ? 'ES256' : jwk.crv === 'P-384' ? 'ES384' : undefined;
  if (jwk.kty === 'RSA') return 'PS256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'Ed25519';
  return undefined;
}

/** Same entries, in any order: a reordered perimeter is not a change of what the client sees. */
function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b);
  return a.length === set.size && a.every((v) => set.has(v));
}
