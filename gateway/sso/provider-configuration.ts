// What SSO supplies to the gateway's authorization server (oidc-provider): accounts and their claims, the
// interaction pages' URL and policy, automatic grants of what a relying party is registered for, pairwise
// subjects, logout and error pages. oidc-provider only serves the protocol; who logs in is decided here.
import type { Kysely } from 'kysely';
import { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { parsePerimeter } from '../perimeter/perimeter.js';
import type { AuditLog } from '../store/audit.js';
import type { Database } from '../store/tables.js';
import type { AccountContexts } from './account-contexts.js';
import { claimsFor, coversUai, SSO_CLAIMS, subjectBase, type ClaimsClient, type Pairwise } from './claims.js';
import { choicesOf, parseAccountId, type ClaimRole } from './linking.js';
import { apiAudience } from '../auth/authorization-server.js';
import { DASHBOARD_SCOPE, isDashboardParty } from '../auth/relying-party.js';
import { providerLogoutPages, renderProviderError } from './pages/provider-pages.js';
import { isLoopbackHost } from '../config/loopback.js';

export interface SsoProviderOptions {
  readonly db: Kysely<Database>;
  readonly publicUrl: string;
  readonly pairwise: Pairwise;
  readonly accounts: AccountContexts;
  readonly audit: AuditLog;
}

/** A relying party's registration, as oidc-provider's client carries it (extra metadata `perimeter`, `all_roles`). */
export function claimsClientOf(client: { clientId: string } & Record<string, unknown>): ClaimsClient {
  return {
    clientId: client.clientId,
    perimeter: parsePerimeter(Array.isArray(client.perimeter) ? (client.perimeter as string[]) : []),
    allRoles: client.all_roles === true,
  };
}

/** The path of a login's interaction pages: every /sso/interaction/{uid}/… route receives its cookie. */
export function interactionPath(publicUrl: string, uid: string): string {
  return `${new URL(publicUrl).pathname.replace(/\/$/, '')}/sso/interaction/${uid}`;
}

export function ssoProviderConfiguration({ db, publicUrl, pairwise, accounts, audit }: SsoProviderOptions): Partial<Configuration> {
  const policy = interactionPolicy.base();
  // A session made for one relying party may not serve another whose perimeter leaves out the role chosen:
  // the person is shown why rather than the service receiving a login it may not have.
  policy.get('login')!.checks.add(new interactionPolicy.Check(
    'outside_perimeter',
    'the role chosen at login is outside this service\'s perimeter',
    async (ctx) => (await withinPerimeter(accounts, ctx) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
  ));
  // Likewise a session a pupil or a parent opened elsewhere does not sign them in to a dashboard.
  policy.get('login')!.checks.add(new interactionPolicy.Check(
    'staff_only',
    'this service is for the staff of establishments and académies only',
    async (ctx) => (await roleWelcome(accounts, ctx) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
  ));

  return {
    findAccount: async (ctx, id) => {
      if (!parseAccountId(id)) return undefined;
      return {
        accountId: id,
        async claims(use, scope) {
          const client = claimsClientOf(ctx.oidc.client as never);
          const scopes = new Set(scope.split(' ').filter(Boolean));
          const { claims, uais } = await claimsFor(db, accounts, id, client, scopes, pairwise);
          const detail = { use, scopes: [...scopes], claims: Object.keys(claims) };
          await audit.record((uais.length ? uais : [null]).map((uai) => ({
            clientId: client.clientId, uai, entity: 'person', count: 1, requestId: null, action: 'sso.claims', detail,
          })));
          return { sub: id, ...claims };
        },
      };
    },
    claims: { acr: null, auth_time: null, iss: null, sid: null, ...Object.fromEntries(Object.entries(SSO_CLAIMS).map(([k, v]) => [k, [...v]])) },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) => pairwise(client.clientId, subjectBase(accountId, claimsClientOf(client as never))),
    extraClientMetadata: { properties: ['perimeter', 'all_roles'] },
    pkce: { required: () => true },
    interactions: {
      url: (_ctx, interaction) => interactionPath(publicUrl, interaction.uid),
      policy,
    },
    // Relying parties are registered by the operator for their scopes: no consent page, each gets what it is
    // registered for (among what it asks).
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      const grant = (grantId && (await oidc.provider.Grant.find(grantId))) || new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      const registered = new Set((oidc.client.scope ?? '').split(' '));
      const requested = String(oidc.params?.scope ?? '').split(' ').filter((s) => registered.has(s));
      grant.addOIDCScope(requested.join(' '));
      // A dashboard's login reads the aggregates (only a dashboard party is registered for the scope): its access
      // token is for the API (`resource`), never for userinfo, and carries no other scope.
      if (requested.includes(DASHBOARD_SCOPE)) grant.addResourceScope(apiAudience(publicUrl), DASHBOARD_SCOPE);
      await grant.save();
      return grant;
    },
    renderError: renderProviderError,
    // oidc-provider refuses to call special-use addresses (SSRF protection). The only URLs it calls here are those
    // the operator registered (back-channel logout); plain http ones are on loopback by registration (a developer's
    // machine, the tests), and are let through.
    fetch: (url, options) => globalThis.fetch(url, isLoopbackHttp(String(url)) ? ({ ...options, dispatcher: undefined } as RequestInit) : options),
    features: {
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, ...providerLogoutPages },
    },
  };
}

function isLoopbackHttp(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
}

/** The roles a dashboard signs in: the staff of establishments (teachers included), never pupils or parents. */
const DASHBOARD_ROLES: readonly ClaimRole[] = ['teacher', 'staff'];

/** Whether a relying party takes logins in `role`: any, except a dashboard party (relying-party.ts). */
export function roleAllowed(client: { scope?: string }, role: ClaimRole): boolean {
  return !isDashboardClient(client) || DASHBOARD_ROLES.includes(role);
}

function isDashboardClient(client: { scope?: string }): boolean {
  return isDashboardParty({ kind: 'relying-party', scopes: (client.scope ?? '').split(' ') });
}

/** Whether the session's login may serve this relying party by its role (only a dashboard party minds). */
async function roleWelcome(accounts: AccountContexts, ctx: KoaContextWithOIDC): Promise<boolean> {
  const parsed = ctx.oidc.session?.accountId ? parseAccountId(ctx.oidc.session.accountId) : undefined;
  const client = ctx.oidc.client;
  if (!parsed || !client || !isDashboardClient(client)) return true;
  if (parsed.choiceKey === 'parent') return false;
  const choice = choicesOf((await accounts.get(parsed.accountId)).people).find((c) => c.key === parsed.choiceKey);
  return !!choice && roleAllowed(client, choice.role);
}

async function withinPerimeter(accounts: AccountContexts, ctx: KoaContextWithOIDC): Promise<boolean> {
  const accountId = ctx.oidc.session?.accountId;
  const parsed = accountId ? parseAccountId(accountId) : undefined;
  if (!parsed || !ctx.oidc.client) return true;
  const client = claimsClientOf(ctx.oidc.client as never);
  if (client.perimeter.some((e) => e.kind === 'national')) return true;
  const { people, establishments } = await accounts.get(parsed.accountId);
  const choice = choicesOf(people).find((c) => c.key === parsed.choiceKey);
  if (!choice) return false;
  // A parent is within it when their children may be: which children, the claims say.
  if (choice.role === 'parent') return true;
  return coversUai(client.perimeter, establishments, choice.people[0].uai);
}
