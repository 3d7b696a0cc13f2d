// The gateway's one authorization server, built on panva's oidc-provider: API clients get short-lived JWT
// access tokens (client credentials, `client_secret_basic` or `private_key_jwt`) for the API audience
// `${publicUrl}/v1`; relying parties log people in with the authorization code flow, whose accounts, claims and
// pages gateway/sso/ supplies (`sso`). The issuer is the public URL itself; discovery is at the root and the
// provider's endpoints under /oauth/.
import type { RequestHandler } from 'express';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet } from 'jose';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import Provider, { errors as oidcErrors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Database } from '../store/tables.js';
import { createAdapterFactory } from './adapter.js';
import { deleteExpiredOidcPayloads } from '../store/oidc-payloads.js';
import { createBearerAuthenticator } from './bearer.js';
import { verifyClientSecret } from './client-secret.js';
import { CLIENT_ASSERTION_ALGS } from './clients.js';
import { findActiveClientRow } from '../store/api-clients.js';
import { DASHBOARD_SCOPE, isDashboardParty } from './relying-party.js';
import { keysFingerprint, loadKeys, publicJwks, SIGNING_ALG, type KeyMaterial } from './keys.js';
import { SCOPES, SSO_SCOPES, type Caller } from './scopes.js';

export type AuthLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface AuthorizationServerOptions {
  readonly config: Pick<Config, 'publicUrl' | 'accessTokenTtlSeconds'>;
  readonly db: Kysely<Database>;
  readonly logger: AuthLogger;
  /** How often (ms) to pick up keys rotated by another process, and purge expired provider state. Default 60 s. */
  readonly keyRefreshMs?: number;
  /** How long (ms) the bearer check may reuse a client row; a revoked client is refused within it. Default 0. */
  readonly clientCacheMs?: number;
  /** Clock for the bearer check's client cache (ms since epoch); tests freeze it. */
  readonly now?: () => number;
  /**
   * What SSO supplies (gateway/sso/provider-configuration.ts): accounts, claims, interactions, logout pages.
   * Without it nobody can log in: the authorization endpoint has no interaction to offer.
   */
  readonly sso?: Partial<Configuration>;
  /** Keeps the short-lived state (sessions, interactions, codes, access tokens) in Redis under this prefix. */
  readonly redis?: { client: Redis; prefix: string };
}

export interface AuthorizationServer {
  /** Mount at the app root BEFORE any body parser: serves discovery and /oauth/*, calls next() for the rest. */
  readonly handler: RequestHandler;
  /** Bearer-token check for /v1 routes: sets `res.locals.caller` or fails with 401 problem+json. */
  readonly authenticate: RequestHandler;
  /** A request's caller again from the client's current record; undefined once revoked. */
  reloadCaller(clientId: string, tokenScopes: readonly string[]): Promise<Caller | undefined>;
  /** The published signing keys (public parts), the current one first. */
  jwks(): Promise<JSONWebKeySet>;
  /** Re-reads the keys from the store; resolves true (and swaps in a new provider) if they changed. */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
  /** The oidc-provider instance currently serving (replaced when keys change). */
  readonly provider: Provider;
  readonly issuer: string;
  /** The API's audience, `${publicUrl}/v1`. */
  readonly audience: string;
  /** Makes a request look as if it came to the public URL (what the provider derives its URLs and cookies from). */
  pinToPublicUrl(req: import('express').Request): void;
}

/** Where oidc-provider's endpoints live, below the issuer. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  code_verification: '/oauth/device',
  credential: '/oauth/credential',
  device_authorization: '/oauth/device/auth',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  jwks: '/oauth/jwks',
  pushed_authorization_request: '/oauth/par',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
} as const;

/** The API's audience: what its access tokens are for (`aud`), and the resource a dashboard's login asks for. */
export function apiAudience(publicUrl: string): string {
  return `${publicUrl}/v1`;
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';
const KEY_MISS_REFRESH_MS = 5_000;

interface ServingState {
  readonly keys: KeyMaterial;
  readonly fingerprint: string;
  readonly provider: Provider;
  readonly callback: ReturnType<Provider['callback']>;
  readonly keySet: JWTVerifyGetKey;
}

export async function createAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const { config, db, logger } = options;
  const issuer = config.publicUrl;
  const audience = apiAudience(issuer);
  const publicUrl = new URL(issuer);
  const mountPath = publicUrl.pathname.replace(/\/$/, '');

  let state = build(await loadKeys(db));
  let reloading: Promise<boolean> | undefined;
  let lastKeyMissRefresh = 0;

  function build(keys: KeyMaterial): ServingState {
    const provider = createProvider({ issuer, audience, keys, db, logger, ttlSeconds: config.accessTokenTtlSeconds, sso: options.sso, redis: options.redis });
    return {
      keys,
      fingerprint: keysFingerprint(keys),
      provider,
      callback: provider.callback(),
      keySet: createLocalJWKSet(publicJwks(keys)),
    };
  }

  function reloadKeys(): Promise<boolean> {
    // One reload at a time: concurrent callers share it rather than building several providers.
    reloading ??= (async () => {
      try {
        const keys = await loadKeys(db);
        const fingerprint = keysFingerprint(keys);
        if (fingerprint === state.fingerprint) return false;
        state = build(keys);
        logger.info({ kids: keys.signingKeys.map((k) => k.kid) }, 'authorization server keys reloaded');
        return true;
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  }

  const timer = setInterval(() => {
    reloadKeys()
      .then(() => deleteExpiredOidcPayloads(db))
      .catch((err: unknown) => logger.warn({ err }, 'authorization server: periodic key reload failed'));
  }, options.keyRefreshMs ?? 60_000);
  timer.unref();

  const handler: RequestHandler = (req, res, next) => {
    const path = req.path;
    if (path !== DISCOVERY_PATH && !path.startsWith('/oauth/')) {
      next();
      return;
    }
    pinToPublicUrl(req);
    state.callback(req, res).catch(next);
  };

  // Every URL the provider derives (discovery, redirects, the audiences it accepts in client assertions) and
  // whether its cookies are secure are taken from the request; pin it to the public URL so it matches the
  // issuer behind any proxy.
  function pinToPublicUrl(req: import('express').Request): void {
    req.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    req.headers['x-forwarded-host'] = publicUrl.host;
    if (mountPath) req.baseUrl = mountPath;
  }

  const bearer = createBearerAuthenticator({
    issuer,
    audience,
    keys: () => state.keySet,
    refreshKeys: async () => {
      // A token naming an unknown kid may come from a replica that rotated first; anyone can send random kids,
      // so the store is asked at most once per few seconds.
      if (Date.now() - lastKeyMissRefresh < KEY_MISS_REFRESH_MS) return false;
      lastKeyMissRefresh = Date.now();
      return reloadKeys();
    },
    loadClient: (clientId) => findActiveClientRow(db, clientId),
    clientCacheMs: options.clientCacheMs,
    now: options.now,
  });

  return {
    handler,
    authenticate: bearer.authenticate,
    reloadCaller: bearer.reloadCaller,
    async jwks() {
      return publicJwks(state.keys);
    },
    reloadKeys,
    async close() {
      clearInterval(timer);
      await reloading?.catch(() => undefined);
    },
    get provider() {
      return state.provider;
    },
    issuer,
    audience,
    pinToPublicUrl,
  };
}

interface ProviderSetup {
  issuer: string;
  audience: string;
  keys: KeyMaterial;
  db: Kysely<Database>;
  logger: AuthLogger;
  ttlSeconds: number;
  sso: Partial<Configuration> | undefined;
  redis: { client: Redis; prefix: string } | undefined;
}

function createProvider({ issuer, audience, keys, db, logger, ttlSeconds, sso, redis }: ProviderSetup): Provider {
  const currentKid = keys.signingKeys[0]?.kid;
  const configuration: Configuration = {
    adapter: createAdapterFactory(db, redis),
    jwks: { keys: keys.signingKeys.map((k) => ({ ...k })) },
    cookies: { keys: [...keys.cookieKeys] },
    // API scopes are listed here too: oidc-provider only refuses a requested scope the client lacks
    // (`invalid_scope`) when the scope is one of these.
    scopes: [...SSO_SCOPES, ...SCOPES],
    // `none` only for dashboard parties (relying-party.ts): public clients, whose code exchange PKCE protects.
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: SIGNING_ALG,
    },
    // No HMAC anywhere: a client's `client_secret` here is its stored hash (see adapter.ts) and must never
    // serve as a key.
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_ASSERTION_ALGS],
      idTokenSigningAlgValues: [SIGNING_ALG],
      userinfoSigningAlgValues: [SIGNING_ALG],
      introspectionSigningAlgValues: [SIGNING_ALG],
      authorizationSigningAlgValues: [SIGNING_ALG],
      requestObjectSigningAlgValues: [...CLIENT_ASSERTION_ALGS],
    },
    routes: { ...OAUTH_ROUTES },
    // The code flow only (no implicit or hybrid), with PKCE (required by the SSO configuration).
    responseTypes: ['code'],
    ttl: {
      AccessToken: ttlSeconds,
      ClientCredentials: ttlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Grant: 8 * 3600,
      Session: 8 * 3600,
      RefreshToken: 8 * 3600,
    },
    features: {
      ...sso?.features,
      clientCredentials: { enabled: true },
      // Login pages are SSO's (interactions.url), never oidc-provider's development ones.
      devInteractions: { enabled: false },
      // The API checks plain bearer tokens only; sender-constrained (DPoP) tokens would need proof checks there.
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // API clients need no `resource` parameter: their tokens are for the API unless they ask otherwise.
        defaultResource: (_ctx, client, oneOf) => oneOf ?? (client?.grantTypeAllowed('client_credentials') ? audience : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator, client) => {
          if (resourceIndicator !== audience) throw new oidcErrors.InvalidTarget(`unknown resource; the API is ${audience}`);
          // A person's login opens the API only through a dashboard party, and then only its aggregates.
          const person = !client.grantTypeAllowed('client_credentials');
          if (person && !isDashboardParty({ kind: 'relying-party', scopes: (client.scope ?? '').split(' ') })) {
            throw new oidcErrors.InvalidTarget('a relying party logs people in: its tokens do not open the API');
          }
          return {
            scope: person ? DASHBOARD_SCOPE : SCOPES.join(' '),
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttlSeconds,
            jwt: { sign: { alg: SIGNING_ALG, ...(currentKid ? { kid: currentKid } : {}) } },
          };
        },
      },
    },
    formats: { customizers: { jwt: clientCredentialsScopes } },
    // API clients are servers: no other site's page may call the token endpoint from a browser. The gateway's
    // own pages (/occupancy) may: their requests are same-origin (the browser still sends `Origin` on a POST),
    // from the public URL or from the host the browser asked for.
    clientBasedCORS: (ctx, origin) => origin === new URL(issuer).origin || (URL.canParse(origin) && new URL(origin).host === ctx.req.headers.host),
    findAccount: async () => undefined,
    ...withoutFeatures(sso),
  };

  const provider = new Provider(issuer, configuration);
  // Discovery and every URL are derived from X-Forwarded-* headers, which the express handler pins to the
  // public URL (so a client cannot make the provider advertise another host).
  provider.proxy = true;

  // oidc-provider compares `client_secret` in clear (Client#compareClientSecret, lib/models/client.js, awaited
  // by shared/client_auth.js). Our `client_secret` metadata is the salted hash, so the comparison is replaced
  // by a constant-time verification of the presented secret against it.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(actual: string) {
    return verifyClientSecret(actual, this.clientSecret);
  };

  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => logger.error({ err }, 'authorization server error'));
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string }) => {
    hintAtAcceptedClientAuth(ctx, err);
    logger.info(
      { clientId: ctx.oidc?.client?.clientId, error: err.error, description: err.error_description },
      'token request refused',
    );
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) =>
    logger.debug({ clientId: ctx.oidc?.client?.clientId }, 'token issued'),
  );
  // A relying party that misses a logout keeps a session the person believes ended: its operator must hear of it.
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, err: Error, client: { clientId: string }) =>
    logger.warn({ clientId: client.clientId, err: err.message }, 'back-channel logout not delivered'));
  // Koa prints unhandled errors to stderr by default; route them to the logger instead.
  (provider as unknown as NodeJS.EventEmitter).on('error', (err: Error) => logger.error({ err }, 'authorization server error'));
  return provider;
}

function withoutFeatures(configuration: Partial<Configuration> | undefined): Partial<Configuration> {
  if (!configuration) return {};
  const { features: _features, ...rest } = configuration;
  return rest;
}

/**
 * A client that sends its secret in the form (client_secret_post) is refused, as is any failed client
 * authentication, with oidc-provider's "client authentication failed": the answer (already rendered, and
 * serialised once this returns) then says which methods are accepted, which is no secret.
 */
function hintAtAcceptedClientAuth(ctx: KoaContextWithOIDC, err: { error?: string }): void {
  const form = (ctx.oidc as { body?: Record<string, unknown> } | undefined)?.body;
  if (err.error !== 'invalid_client' || typeof form?.client_secret !== 'string' || ctx.headers.authorization) return;
  const body = ctx.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return;
  ctx.body = {
    ...body,
    error_description: 'client_secret_post is not accepted: send the client id and secret with HTTP Basic (client_secret_basic, as curl -u "$CLIENT_ID:$CLIENT_SECRET" does), or authenticate with private_key_jwt',
  };
}

/**
 * Scope policy for client-credentials tokens, applied just before the JWT is signed: a request without
 * `scope` gets every scope the client holds; any requested scope the client does not hold (including names
 * that are not scopes at all) is refused with `invalid_scope` rather than silently dropped.
 */
function clientCredentialsScopes(ctx: KoaContextWithOIDC, token: { kind: string; scope?: string }, parts: { payload: Record<string, unknown> }): void {
  if (token.kind !== 'ClientCredentials') return;
  const held = new Set((ctx.oidc.client?.scope ?? '').split(' ').filter(Boolean));
  const requested = String(ctx.oidc.params?.scope ?? '').split(' ').filter(Boolean);
  const lacking = requested.find((s) => !held.has(s));
  if (lacking) throw new oidcErrors.InvalidScope('requested scope is not allowed', lacking);
  const scope = (requested.length ? requested : [...held]).join(' ');
  token.scope = scope || undefined;
  parts.payload.scope = scope || undefined;
}
