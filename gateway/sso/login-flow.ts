// The login a relying party asks for, from the gateway's side: the login page (which upstream provider), the
// trip upstream and back, the link to roster people, the choice of role when there are several, and the end of
// the interaction, which oidc-provider then turns into a code for the relying party. Every step's state is in
// Redis or PostgreSQL (auth/adapter.ts payloadStore), so any gateway replica serves any step of a login.
import express, { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { Logger } from 'pino';
import { todayInParis } from '../http/date-range.js';
import type { PayloadStore } from '../auth/adapter.js';
import type { AuditLog } from '../store/audit.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { LoginCount } from '../store/sso/accounts.js';
import { establishmentsOf, type SsoEstablishment } from '../store/sso/people.js';
import type { Database } from '../store/tables.js';
import type { AccountContexts } from './account-contexts.js';
import { coversUai } from './claims.js';
import type { ProviderConfig } from './config.js';
import { identityOf } from './identity.js';
import { accountIdOf, choicesOf, linkIdentity, type Choice } from './linking.js';
import { choosePersonPage, errorPage, formPostPage, loginPage, type SsoErrorKind } from './pages/pages.js';
import { sendPage } from './pages/send-page.js';
import { claimsClientOf, interactionPath, roleAllowed } from './provider-configuration.js';
import { UpstreamError, type UpstreamProvider } from './upstream/upstream.js';

export interface Upstream {
  readonly config: ProviderConfig;
  readonly provider: UpstreamProvider;
}

export interface LoginFlowOptions {
  readonly db: Kysely<Database>;
  /** Where each step's state is kept until the next step takes it (Redis or PostgreSQL: any replica reads it). */
  readonly steps: { readonly upstream: PayloadStore; readonly result: PayloadStore };
  readonly publicUrl: string;
  readonly upstreams: readonly Upstream[];
  /** The authorization server's provider now (it is replaced when keys rotate). */
  readonly provider: () => Provider;
  /** Makes a request look as if it came to the public URL, as the provider expects. */
  readonly pinToPublicUrl: (req: Request) => void;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly accounts: AccountContexts;
  readonly audit: AuditLog;
  /** The daily login counts, group-committed: a collège's 8 o'clock logins share their row's updates. */
  readonly logins: GroupCommit<LoginCount>;
  /** Told of each login completed (metrics). */
  readonly onLogin?: (provider: string, role: string) => void;
}

/** A trip upstream, kept under its state until the callback takes it (once). */
interface UpstreamLogin { uid: string; provider: string; clientId: string; saved: Record<string, unknown> }
/** The outcome of the trip, kept under the interaction until the login ends. */
interface LoginResult { accountId: string; provider: string; choices: ChoiceOffer[] }
interface ChoiceOffer { key: string; role: Choice['role']; uai: string | null; label: string }

/** As long as oidc-provider keeps the interaction. */
const STEP_TTL_SECONDS = 600;
const ROLE_LABELS: Record<Choice['role'], string> = { pupil: 'Élève', parent: 'Parent', teacher: 'Enseignant ou enseignante', staff: 'Personnel' };

export function loginFlowRoutes(options: LoginFlowOptions): Router {
  const { db, publicUrl, upstreams, logger, accounts, audit, logins, steps } = options;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 50 });
  const callbackUrl = (id: string) => `${publicUrl}/sso/callback/${id}`;
  const upstreamOf = (id: string) => upstreams.find((u) => u.config.id === id);

  // Everything the provider reads (cookies, secure flag) as it would on /oauth.
  router.use('/sso', (req, _res, next) => {
    options.pinToPublicUrl(req);
    next();
  });

  router.get('/sso/interaction/:uid', handle(async (req, res) => {
    const details = await options.provider().interactionDetails(req, res);
    const client = await options.provider().Client.find(String(details.params.client_id));
    const serviceName = client?.clientName ?? 'ce service';
    if (details.prompt.name !== 'login') {
      // Relying parties are granted what they are registered for (provider-configuration.ts): no consent page.
      await options.provider().interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
      return;
    }
    if (details.prompt.reasons.includes('staff_only') && details.session?.accountId) {
      sendPage(res, errorPage('staff-only', { serviceName, abortHref: `${interactionPath(publicUrl, details.uid)}/abort` }));
      return;
    }
    if (details.prompt.reasons.includes('outside_perimeter') && details.session?.accountId) {
      sendPage(res, errorPage('not-for-this-service', { serviceName, abortHref: `${interactionPath(publicUrl, details.uid)}/abort` }));
      return;
    }
    sendPage(res, loginPage({
      serviceName,
      providers: upstreams.map((u) => ({ name: u.config.name, href: `${interactionPath(publicUrl, details.uid)}/upstream/${u.config.id}` })),
    }));
  }));

  router.get('/sso/interaction/:uid/upstream/:provider', handle(async (req, res) => {
    const details = await options.provider().interactionDetails(req, res);
    const upstream = upstreamOf(String(req.params.provider));
    if (!upstream) {
      sendPage(res, errorPage('expired', { retryHref: interactionPath(publicUrl, details.uid) }));
      return;
    }
    const start = await upstream.provider.begin(callbackUrl(upstream.config.id));
    const login: UpstreamLogin = { uid: details.uid, provider: upstream.config.id, clientId: String(details.params.client_id), saved: { ...start.saved } };
    await steps.upstream.upsert(start.state, { ...login }, STEP_TTL_SECONDS);
    if (start.step.kind === 'redirect') {
      res.redirect(303, start.step.url);
      return;
    }
    sendPage(res, formPostPage({ action: start.step.action, fields: start.step.fields }), { formTargets: [new URL(start.step.action).origin] });
  }));

  // The way back from upstream: a redirect (OIDC) or a form the identity provider's page posts (SAML). No cookie
  // comes with a cross-site POST: the state alone finds the login, once.
  router.all('/sso/callback/:provider', form, handle(async (req, res) => {
    const upstream = upstreamOf(String(req.params.provider));
    const fields = (req.body ?? {}) as Record<string, string>;
    const state = typeof req.query.state === 'string' ? req.query.state : typeof fields.RelayState === 'string' ? fields.RelayState : undefined;
    const login = upstream && state ? (await steps.upstream.take(state)) as UpstreamLogin | undefined : undefined;
    if (!upstream || !login || login.provider !== upstream.config.id) {
      sendPage(res, errorPage('expired', {}));
      return;
    }
    const retryHref = interactionPath(publicUrl, login.uid);
    const abortHref = `${retryHref}/abort`;
    let assertion;
    try {
      assertion = await upstream.provider.finish({ url: new URL(req.originalUrl, publicUrl), form: stringFields(fields) }, login.saved, callbackUrl(upstream.config.id));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      logger.warn({ provider: upstream.config.id, reason: error.reason, err: error.message }, 'upstream login not accepted');
      sendPage(res, errorPage(`upstream-${error.reason}` as SsoErrorKind, { retryHref, abortHref }));
      return;
    }
    const identity = identityOf(upstream.config, assertion);
    const outcome = await linkIdentity(db, identity);
    if (outcome.kind !== 'linked') {
      logger.info({ provider: upstream.config.id, outcome: outcome.kind, keys: identity.keys.map((k) => k.kind) }, 'upstream identity not linked');
      sendPage(res, errorPage(outcome.kind === 'unknown' ? 'unknown-person' : 'ambiguous-person', { retryHref, abortHref }));
      return;
    }
    if (outcome.newlyLinked.length) {
      await audit.record(outcome.newlyLinked.map((p) => ({
        clientId: login.clientId, uai: p.uai, entity: 'person', count: 1, requestId: null, action: 'sso.link', detail: { provider: upstream.config.id, role: p.kind },
      })));
    }
    const client = await options.provider().Client.find(login.clientId);
    const perimeter = client ? claimsClientOf(client as never).perimeter : [];
    const establishments = await establishmentsOf(db, outcome.people.map((p) => p.uai));
    accounts.remember(outcome.accountId, { people: outcome.people, establishments });
    const inPerimeter = choicesOf(outcome.people).filter((choice) => choice.role === 'parent' || coversUai(perimeter, establishments, choice.people[0].uai));
    const offered = inPerimeter.filter((choice) => !client || roleAllowed(client, choice.role));
    if (!offered.length) {
      // A pupil or a parent at a dashboard may have come through ÉduConnect by mistake: they may try another way.
      sendPage(res, inPerimeter.length
        ? errorPage('staff-only', { serviceName: client?.clientName, retryHref, abortHref })
        : errorPage('not-for-this-service', { serviceName: client?.clientName, abortHref }));
      return;
    }
    const result: LoginResult = { accountId: outcome.accountId, provider: upstream.config.id, choices: offered.map((c) => offerOf(c, establishments)) };
    if (result.choices.length === 1) {
      // One way to log in: the interaction ends here. Its resume at the authorization endpoint still needs the
      // cookie of the browser that started it, so a callback carried to another browser logs no one in there.
      const returnTo = await completeLogin(login.uid, login.clientId, result, result.choices[0]);
      if (returnTo) res.redirect(303, returnTo);
      else sendPage(res, errorPage('expired', {}));
      return;
    }
    await steps.result.upsert(login.uid, { ...result }, STEP_TTL_SECONDS);
    res.redirect(303, `${retryHref}/choose`);
  }));

  router.get('/sso/interaction/:uid/choose', handle(async (req, res) => {
    const details = await options.provider().interactionDetails(req, res);
    const result = await loginResult(details.uid);
    if (!result) {
      sendPage(res, errorPage('expired', { retryHref: interactionPath(publicUrl, details.uid) }));
      return;
    }
    await showChoices(res, details, result, 200);
  }));

  router.post('/sso/interaction/:uid/choose', form, handle(async (req, res) => {
    const details = await options.provider().interactionDetails(req, res);
    const result = await loginResult(details.uid);
    if (!result) {
      sendPage(res, errorPage('expired', { retryHref: interactionPath(publicUrl, details.uid) }));
      return;
    }
    const chosen = result.choices.find((c) => c.key === (req.body as Record<string, unknown> | undefined)?.choice);
    if (!chosen) {
      await showChoices(res, details, result, 400);
      return;
    }
    const returnTo = await completeLogin(details.uid, String(details.params.client_id), result, chosen);
    await steps.result.destroy(details.uid);
    if (returnTo) res.redirect(303, returnTo);
    else sendPage(res, errorPage('expired', {}));
  }));

  router.get('/sso/interaction/:uid/abort', handle(async (req, res) => {
    const details = await options.provider().interactionDetails(req, res);
    await steps.result.destroy(details.uid);
    await options.provider().interactionFinished(req, res, { error: 'access_denied', error_description: 'the person could not be logged in, or gave up' }, { mergeWithLastSubmission: false });
  }));

  router.get('/sso/metadata/:provider', (req, res, next) => {
    const upstream = upstreamOf(String(req.params.provider));
    const metadata = upstream?.provider.metadata?.(callbackUrl(upstream.config.id));
    if (!metadata) {
      next();
      return;
    }
    res.type('application/samlmetadata+xml').send(metadata);
  });

  async function loginResult(uid: string): Promise<LoginResult | undefined> {
    return (await steps.result.find(uid)) as LoginResult | undefined;
  }

  async function showChoices(res: Response, details: Awaited<ReturnType<Provider['interactionDetails']>>, result: LoginResult, status: number): Promise<void> {
    const client = await options.provider().Client.find(String(details.params.client_id));
    const page = choosePersonPage({
      serviceName: client?.clientName ?? 'ce service',
      action: `${interactionPath(publicUrl, details.uid)}/choose`,
      fieldName: 'choice',
      choices: result.choices.map((c) => ({ value: c.key, label: c.label, detail: '' })),
    });
    // The form's answer redirects to the service: Chromium applies form-action to those redirects.
    sendPage(res, { ...page, status }, { formTargets: [...new Set((client?.redirectUris ?? []).map((uri) => new URL(uri).origin))] });
  }

  /**
   * Ends the interaction with the login chosen, counted and audited; returns where the browser goes on (the
   * authorization endpoint's resume), or undefined when the interaction is gone.
   */
  async function completeLogin(uid: string, clientId: string, result: LoginResult, chosen: ChoiceOffer): Promise<string | undefined> {
    const interaction = await options.provider().Interaction.find(uid);
    if (!interaction) return undefined;
    const people = choicesOf((await accounts.get(result.accountId)).people).find((c) => c.key === chosen.key)?.people ?? [];
    await Promise.all([
      logins.record(people.map((p) => ({ day: todayInParis().toString(), uai: p.uai, role: chosen.role, provider: result.provider, clientId }))),
      audit.record(people.map((p) => ({
        clientId, uai: p.uai, entity: 'person', count: 1, requestId: null, action: 'sso.login', detail: { provider: result.provider, role: chosen.role },
      }))),
    ]);
    options.onLogin?.(result.provider, chosen.role);
    interaction.result = {
      login: { accountId: accountIdOf(result.accountId, { key: chosen.key, role: chosen.role, people: [] }), amr: [result.provider] },
    };
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    return interaction.returnTo;
  }

  // An interaction that is gone (expired, already finished, another browser's) is an expired login for the person.
  function handle(fn: (req: Request, res: Response) => Promise<void>) {
    return (req: Request, res: Response, next: (err?: unknown) => void) => {
      fn(req, res).catch((error: unknown) => {
        if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidRequest) {
          sendPage(res, errorPage('expired', {}));
          return;
        }
        logger.error({ err: error }, 'sso login step failed');
        if (res.headersSent) next(error);
        else sendPage(res, errorPage('internal', {}));
      });
    };
  }

  return router;
}

function offerOf(choice: Choice, establishments: readonly SsoEstablishment[]): ChoiceOffer {
  if (choice.role === 'parent') return { key: choice.key, role: choice.role, uai: null, label: ROLE_LABELS.parent };
  const [person] = choice.people;
  const establishment = establishments.find((e) => e.uai === person.uai);
  return { key: choice.key, role: choice.role, uai: person.uai, label: `${ROLE_LABELS[choice.role]} — ${establishment?.name ?? person.uai} (${person.uai})` };
}

function stringFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
