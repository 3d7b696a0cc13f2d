// A downstream relying party for the SSO tests: a small express app on loopback that signs a person in at an
// OpenID Provider with openid-client (authorization code, PKCE S256, state and nonce), keeps its own session
// with a cookie, logs out through the provider's end-session endpoint, and takes back-channel logout tokens,
// verified with jose against the provider's keys. Works with a browser and with a fetch client that keeps
// cookies. It contacts the provider only at the first login, so it may start before the provider does.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';

export interface RelyingPartyOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default ['openid']; openid is always asked for. */
  readonly scopes?: readonly string[];
  /** The page title, to tell two parties apart. */
  readonly name?: string;
  /** Default client_secret_basic, oidc-provider's default for a client. */
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Listen on this port (0 or absent: any free one), for a client registered before the party starts. */
  readonly port?: number;
}

export interface RelyingPartySession {
  readonly id: string;
  readonly sub: string;
  /** The provider's session id for this party (the ID token's `sid`), when it sent one. */
  readonly sid: string | undefined;
  readonly claims: oidc.IDToken;
  readonly userinfo: oidc.UserInfoResponse;
  readonly tokens: oidc.TokenEndpointResponse;
}

export interface RelyingParty {
  /** Its origin, such as http://127.0.0.1:41234. */
  readonly url: string;
  /** `{url}/callback` */
  readonly redirectUri: string;
  /** `{url}/backchannel-logout` */
  readonly backchannelLogoutUri: string;
  /** `{url}/logged-out` */
  readonly postLogoutRedirectUri: string;
  /** `{url}/login`: GET redirects to the provider's authorization endpoint. */
  readonly loginUrl: string;
  /** `{url}/logout`: GET redirects to the provider's end-session endpoint (and ends the local session). */
  readonly logoutUrl: string;
  /** The local sessions now open. */
  sessions(): RelyingPartySession[];
  /** The back-channel logout tokens received and verified, oldest first. */
  logoutTokens(): JWTPayload[];
  /** The last token endpoint response. */
  readonly lastTokenResponse: oidc.TokenEndpointResponse | undefined;
  /** The error of the last callback, such as access_denied (from the provider) or callback_failed (a check here). */
  readonly lastCallbackError: { error: string; error_description: string | undefined } | undefined;
  close(): Promise<void>;
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface PendingLogin {
  readonly codeVerifier: string;
  readonly nonce: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body><main>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</main></body>\n</html>\n`;
}

export async function startRelyingParty(options: RelyingPartyOptions): Promise<RelyingParty> {
  const name = options.name ?? 'Service de test';
  const scope = [...new Set(['openid', ...(options.scopes ?? [])])].join(' ');
  const app = express();
  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;
  const postLogoutRedirectUri = `${url}/logged-out`;
  // Cookies ignore the port: parties (and the provider) on the same loopback host need names of their own.
  const cookieName = `rp-session-${new URL(url).port}`;

  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<string, RelyingPartySession>();
  const logoutTokens: JWTPayload[] = [];
  const seenLogoutTokenIds = new Set<string>();
  let lastTokenResponse: oidc.TokenEndpointResponse | undefined;
  let lastCallbackError: RelyingParty['lastCallbackError'];

  let configuration: Promise<oidc.Configuration> | undefined;
  const client = () => {
    configuration ??= discover().catch((error: unknown) => {
      configuration = undefined;
      throw error;
    });
    return configuration;
  };
  async function discover() {
    const issuer = new URL(options.issuer);
    const authentication = options.tokenEndpointAuthMethod === 'client_secret_post'
      ? oidc.ClientSecretPost(options.clientSecret) : oidc.ClientSecretBasic(options.clientSecret);
    return oidc.discovery(issuer, options.clientId, { client_secret: options.clientSecret }, authentication, {
      execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
    });
  }
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const providerKeys = async () => (keys ??= createRemoteJWKSet(new URL((await client()).serverMetadata().jwks_uri!)));

  const sessionOf = (req: Request) => {
    const id = req.headers.cookie?.split(/;\s*/).find((pair) => pair.startsWith(`${cookieName}=`))?.slice(cookieName.length + 1);
    return id ? sessions.get(id) : undefined;
  };
  const endSession = (res: Response, session: RelyingPartySession | undefined) => {
    if (session) sessions.delete(session.id);
    res.clearCookie(cookieName, { path: '/' });
  };

  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  app.get('/', (req, res) => {
    const session = sessionOf(req);
    const body = session
      ? `<p id="status">connecté</p>\n<pre id="claims">${escapeHtml(JSON.stringify(session.claims, null, 2))}</pre>\n<pre id="userinfo">${escapeHtml(JSON.stringify(session.userinfo, null, 2))}</pre>\n<p><a href="/logout">Se déconnecter</a></p>`
      : '<p id="status">non connecté</p>\n<p><a href="/login">Se connecter</a></p>';
    res.type('html').send(page(name, body));
  });

  app.get('/login', async (_req, res, next) => {
    try {
      const config = await client();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      pending.set(state, { codeVerifier, nonce });
      const authorizationUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope, state, nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      });
      res.redirect(authorizationUrl.href);
    } catch (error) {
      next(error);
    }
  });

  app.get('/callback', async (req, res) => {
    const current = new URL(req.originalUrl, url);
    const state = current.searchParams.get('state') ?? '';
    const login = pending.get(state);
    pending.delete(state);
    lastCallbackError = undefined;
    const error = current.searchParams.get('error');
    if (error) {
      lastCallbackError = { error, error_description: current.searchParams.get('error_description') ?? undefined };
      res.status(400).type('html').send(page(name, `<p id="status">non connecté</p>\n<p id="error">${escapeHtml(error)}</p>`));
      return;
    }
    if (!login) {
      res.status(400).type('html').send(page(name, '<p id="status">non connecté</p>\n<p id="error">unknown state</p>'));
      return;
    }
    try {
      const config = await client();
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: login.codeVerifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true,
      });
      lastTokenResponse = tokens;
      const claims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, { id, sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, claims, userinfo, tokens });
      res.cookie(cookieName, id, { httpOnly: true, sameSite: 'lax', path: '/' });
      res.redirect('/');
    } catch (failure) {
      lastCallbackError = { error: 'callback_failed', error_description: (failure as Error).message };
      res.status(400).type('html').send(page(name, `<p id="status">non connecté</p>\n<p id="error">${escapeHtml((failure as Error).message)}</p>`));
    }
  });

  app.get('/logout', async (req, res, next) => {
    try {
      const session = sessionOf(req);
      const parameters: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri, client_id: options.clientId };
      if (session?.tokens.id_token) parameters.id_token_hint = session.tokens.id_token;
      endSession(res, session);
      res.redirect(oidc.buildEndSessionUrl(await client(), parameters).href);
    } catch (error) {
      next(error);
    }
  });

  app.get('/logged-out', (_req, res) => {
    res.type('html').send(page(name, '<p id="status">non connecté</p>\n<p id="logged-out">Vous êtes déconnecté.</p>'));
  });

  // OpenID Connect Back-Channel Logout 1.0, section 2.6: the checks of a logout token.
  app.post('/backchannel-logout', express.urlencoded({ extended: false }), async (req, res) => {
    const token = (req.body as Record<string, unknown> | undefined)?.logout_token;
    try {
      if (typeof token !== 'string') throw new Error('no logout_token');
      const config = await client();
      const { payload } = await jwtVerify(token, await providerKeys(), {
        issuer: config.serverMetadata().issuer, audience: options.clientId, requiredClaims: ['iat', 'jti'],
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (typeof events !== 'object' || events === null || typeof events[BACKCHANNEL_LOGOUT_EVENT] !== 'object') throw new Error('no back-channel logout event');
      if ('nonce' in payload) throw new Error('a logout token has no nonce');
      if (typeof payload.sid !== 'string' && typeof payload.sub !== 'string') throw new Error('neither sid nor sub');
      if (seenLogoutTokenIds.has(payload.jti!)) throw new Error('logout token replayed');
      seenLogoutTokenIds.add(payload.jti!);
      logoutTokens.push(payload);
      for (const session of [...sessions.values()]) {
        const sameSid = payload.sid === undefined || session.sid === payload.sid;
        const sameSub = payload.sub === undefined || session.sub === payload.sub;
        if (sameSid && sameSub) sessions.delete(session.id);
      }
      res.status(200).end();
    } catch (failure) {
      res.status(400).json({ error: 'invalid_request', error_description: (failure as Error).message });
    }
  });

  return {
    url,
    redirectUri,
    backchannelLogoutUri: `${url}/backchannel-logout`,
    postLogoutRedirectUri,
    loginUrl: `${url}/login`,
    logoutUrl: `${url}/logout`,
    sessions: () => [...sessions.values()],
    logoutTokens: () => [...logoutTokens],
    get lastTokenResponse() { return lastTokenResponse; },
    get lastCallbackError() { return lastCallbackError; },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
