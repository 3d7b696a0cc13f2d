// The gateway as an OpenID Connect relying party of one upstream identity provider (openid-client v6): the
// authorization code flow with PKCE S256, state and nonce, client_secret_basic, the ID token's signature
// checked against the provider's published keys, then userinfo.
import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '../config.js';
import {
  UpstreamError, type UpstreamAssertion, type UpstreamCallback, type UpstreamProvider, type UpstreamStart,
} from './upstream.js';
import { isSecureOrLoopback } from '../../config/loopback.js';

/** Seconds each request to the provider may take: a login is a person waiting. */
const REQUEST_TIMEOUT_SECONDS = 10;

/** What `begin` keeps for `finish`. */
interface SavedChecks {
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}

export function createOidcUpstream(config: OidcProviderConfig): UpstreamProvider {
  const issuer = new URL(config.issuer);
  const plainHttp = plainHttpAllowed(issuer);
  const scope = [...new Set(['openid', ...config.scopes])].join(' ');
  let discovered: Promise<oidc.Configuration> | undefined;

  /** The provider's metadata, fetched on first use; a failure is not kept, so the next login tries again. */
  function configuration(): Promise<oidc.Configuration> {
    discovered ??= discover(config, issuer, plainHttp).catch((err: unknown) => {
      discovered = undefined;
      throw new UpstreamError('unavailable', `discovery of ${issuer.href} failed: ${describe(err)}`, { cause: err });
    });
    return discovered;
  }

  return {
    id: config.id,
    kind: 'oidc',
    name: config.name,

    async begin(callbackUrl: string): Promise<UpstreamStart> {
      const provider = await configuration();
      const saved: SavedChecks = {
        state: oidc.randomState(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        nonce: oidc.randomNonce(),
      };
      const url = oidc.buildAuthorizationUrl(provider, {
        redirect_uri: callbackUrl,
        scope,
        state: saved.state,
        nonce: saved.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(saved.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { step: { kind: 'redirect', url: url.href }, state: saved.state, saved: { ...saved } };
    },

    async finish(callback: UpstreamCallback, saved: Readonly<Record<string, unknown>>, callbackUrl: string): Promise<UpstreamAssertion> {
      const checks = savedChecks(saved);
      const provider = await configuration();
      // The redirect_uri sent to the token endpoint must be the one `begin` sent, whatever host the request came in by.
      const returned = new URL(callbackUrl);
      returned.search = callback.url.search;

      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        tokens = await oidc.authorizationCodeGrant(provider, returned, {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
        });
      } catch (err) {
        throw failure(err, 'authorization code grant');
      }
      const idClaims = tokens.claims();
      if (!idClaims || !tokens.id_token) throw new UpstreamError('invalid', 'the token endpoint answered without an ID token');

      let userinfo: oidc.UserInfoResponse | undefined;
      if (config.userinfo) {
        try {
          userinfo = await oidc.fetchUserInfo(provider, tokens.access_token, idClaims.sub);
        } catch (err) {
          throw failure(err, 'userinfo');
        }
      }
      // Userinfo comes last: for a claim both give, its answer is the fuller and fresher one.
      return {
        subject: idClaims.sub,
        attributes: attributesOf({ ...idClaims, ...userinfo }),
        session: { idToken: tokens.id_token },
      };
    },
  };
}

/** Plain http is for a provider on this machine (tests, development); anywhere else it is a configuration error. */
function plainHttpAllowed(issuer: URL): boolean {
  if (issuer.protocol === 'https:') return false;
  if (isSecureOrLoopback(issuer)) return true;
  throw new Error(`OIDC issuer ${issuer.href}: only https, or plain http on a loopback address (127.0.0.1, ::1, localhost)`);
}

function discover(config: OidcProviderConfig, issuer: URL, plainHttp: boolean): Promise<oidc.Configuration> {
  return oidc.discovery(issuer, config.clientId, undefined, oidc.ClientSecretBasic(config.clientSecret), {
    timeout: REQUEST_TIMEOUT_SECONDS,
    // allowInsecureRequests lets every endpoint the metadata names be plain http; this fetch keeps them on loopback.
    ...(plainHttp ? { [oidc.customFetch]: loopbackOnlyFetch } : {}),
    execute: [
      // Without it, openid-client checks the ID token's claims but not its signature (trusting the TLS channel
      // to the token endpoint): this verifies the JWS against the provider's JWKS, and signed userinfo answers too.
      oidc.enableNonRepudiationChecks,
      ...(plainHttp ? [oidc.allowInsecureRequests] : []),
    ],
  });
}

const loopbackOnlyFetch: oidc.CustomFetch = (url, options) => {
  const target = new URL(url);
  if (!isSecureOrLoopback(target)) {
    return Promise.reject(new UpstreamError('invalid', `the provider's metadata names a plain http endpoint off loopback: ${target.href}`));
  }
  return fetch(url, options as RequestInit);
};

function savedChecks(saved: Readonly<Record<string, unknown>>): SavedChecks {
  for (const name of ['state', 'codeVerifier', 'nonce'] as const) {
    if (typeof saved[name] !== 'string' || !saved[name]) {
      throw new UpstreamError('invalid', `the login's saved ${name} is missing: the callback cannot be checked`);
    }
  }
  return saved as unknown as SavedChecks;
}

/** Claims as lists of strings: strings as they are, an array one entry per item, anything else as JSON. */
function attributesOf(claims: Readonly<Record<string, unknown>>): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(claims)) {
    // A null claim is one the provider has no value for (OIDC Core 5.3.2).
    if (value === null || value === undefined) continue;
    attributes[name] = (Array.isArray(value) ? value : [value]).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  }
  return attributes;
}

/** The UpstreamError for what openid-client threw while talking to the provider during `step`. */
function failure(err: unknown, step: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof oidc.AuthorizationResponseError) {
    return new UpstreamError('refused', `the provider answered ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, { cause: err });
  }
  if (unreachable(err) || serverFailure(err)) {
    return new UpstreamError('unavailable', `${step}: ${describe(err)}`, { cause: err });
  }
  if (err instanceof oidc.ResponseBodyError) {
    return new UpstreamError('invalid', `${step}: the provider refused with ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, { cause: err });
  }
  return new UpstreamError('invalid', `${step}: ${describe(err)}`, { cause: err });
}

/** A connection refused or reset, a name that does not resolve, a timeout: anywhere in the cause chain. */
function unreachable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if ((e instanceof TypeError && e.message === 'fetch failed') || e.name === 'TimeoutError') return true;
    if (e instanceof oidc.ClientError && (e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT')) return true;
  }
  return false;
}

/** The provider answered with a 5xx: it is there but cannot serve now. */
function serverFailure(err: unknown): boolean {
  if (err instanceof oidc.ResponseBodyError) return err.status >= 500;
  return err instanceof oidc.ClientError && err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM'
    && err.cause instanceof Response && err.cause.status >= 500;
}

/** Every message down the cause chain, for the logs: openid-client's own are general, its causes say which check failed. */
function describe(err: unknown): string {
  const messages: string[] = [];
  let e = err;
  for (; e instanceof Error; e = e.cause) messages.push(e.message);
  // openid-client gives an unexpected answer as the cause: its status is what the logs need.
  if (e instanceof Response) messages.push(`HTTP ${e.status} from ${e.url}`);
  return messages.join(': ') || String(err);
}
