// Bearer-token checks for the API (/v1): verifies the JWT access token against the authorization server's own
// keys (in process, no HTTP fetch), then the client's current record, and hands the route a `Caller`. Tokens are
// never logged nor echoed in errors.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthorizedProblem } from '../errors/problems.js';
import type { ApiClient } from '../store/tables.js';
import { GatewayError } from '../errors/gateway-error.js';
import { DASHBOARD_SCOPE, isDashboardParty } from './relying-party.js';
import { callerOf, type Caller } from './scopes.js';
import { SIGNING_ALG } from './keys.js';

export interface BearerOptions {
  /** The `iss` every token must carry: the gateway's public URL. */
  readonly issuer: string;
  /** The `aud` every token must carry: `${publicUrl}/v1`. */
  readonly audience: string;
  /** The current public keys, as a jose key resolver (rebuilt by the server when keys change). */
  keys(): JWTVerifyGetKey;
  /**
   * Called when a token names a key we do not have (another replica may have rotated): reloads the keys and
   * resolves true when they changed. The caller throttles it.
   */
  refreshKeys?(): Promise<boolean>;
  /** The client's active row with its version, or undefined when it is unknown or revoked. */
  loadClient(clientId: string): Promise<(ApiClient & { version: string }) | undefined>;
  /**
   * How long a client row may be reused (ms). Reuse is safe: every data access checks the cached version
   * against the store in the query it runs anyway (perimeter/scoped-access.ts) and starts again with the
   * current record when it changed. Default 30 s.
   */
  readonly clientCacheMs?: number;
  /** Clock for the client cache (ms since epoch); tests freeze it. */
  now?(): number;
}

const CACHE_LIMIT = 10_000;

export interface BearerAuthenticator {
  /** The middleware that authenticates every /v1 request and sets `res.locals.caller`. */
  readonly authenticate: RequestHandler;
  /** The caller again from the client's current record (the cache is refreshed); undefined if revoked. */
  reloadCaller(clientId: string, tokenScopes: readonly string[]): Promise<Caller | undefined>;
}

export function createBearerAuthenticator(options: BearerOptions): BearerAuthenticator {
  const cacheMs = options.clientCacheMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { row: (ApiClient & { version: string }) | undefined; at: number }>();

  async function clientRow(clientId: string, reload = false): Promise<(ApiClient & { version: string }) | undefined> {
    const hit = cache.get(clientId);
    if (!reload && hit && now() - hit.at < cacheMs) return hit.row;
    const row = await options.loadClient(clientId);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    if (cacheMs > 0) cache.set(clientId, { row, at: now() });
    return row;
  }

  // A signature check costs more than the rest of a small request; a token already verified is remembered
  // until it expires (bounded, and never past `exp`).
  // When the keys change (a key retired), what was verified with the old set is forgotten.
  const verified = new Map<string, JWTPayload>();
  let verifiedWith = options.keys();

  async function verify(token: string): Promise<JWTPayload> {
    if (options.keys() !== verifiedWith) {
      verified.clear();
      verifiedWith = options.keys();
    }
    const known = verified.get(token);
    if (known && (known.exp as number) * 1000 > now()) return known;
    const payload = await verifySignature(token);
    if (verified.size >= CACHE_LIMIT) verified.clear();
    verified.set(token, payload);
    return payload;
  }

  async function verifySignature(token: string): Promise<JWTPayload> {
    const verifyOnce = () =>
      jwtVerify(token, options.keys(), {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: [SIGNING_ALG],
        requiredClaims: ['exp', 'client_id'],
      });
    try {
      return (await verifyOnce()).payload;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && options.refreshKeys && (await options.refreshKeys())) {
        return (await verifyOnce()).payload;
      }
      throw error;
    }
  }

  async function reloadCaller(clientId: string, tokenScopes: readonly string[]): Promise<Caller | undefined> {
    const row = await clientRow(clientId, true);
    return row && row.status === 'active' ? callerOf(clientId, tokenScopes, row) : undefined;
  }

  async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const token = bearerToken(req);
      let payload: JWTPayload;
      try {
        payload = await verify(token);
      } catch (error) {
        // Only a bad token is the caller's fault; a failing key reload (store down) stays a 500.
        if (error instanceof errors.JOSEError) throw new UnauthorizedProblem(describeJoseError(error, options));
        throw error;
      }
      const clientId = payload.client_id;
      if (typeof clientId !== 'string' || !clientId) throw new UnauthorizedProblem('the bearer token names no client (client_id)');
      const row = await clientRow(clientId);
      if (!row || row.status !== 'active') {
        throw new UnauthorizedProblem(`the client ${clientId} this token was issued to is unknown or revoked`);
      }
      if (row.kind === 'relying-party') onlyDashboardReads(clientId, row, req);
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      const caller = callerOf(clientId, granted, row);
      res.locals.caller = caller;
      next();
    } catch (error) {
      next(error);
    }
  }

  return { authenticate, reloadCaller };
}

/** What a dashboard's token opens: reading the aggregates feed, nothing else (not even what any token may read). */
const DASHBOARD_READS = /^\/aggregates\/[^/]+$/;

/**
 * A relying party's token is a person's login. The authorization server gives one for the API to dashboard
 * parties only, with aggregates.read; this refuses any other, and any use of it beyond the aggregates.
 */
function onlyDashboardReads(clientId: string, row: ApiClient, req: Request): void {
  if (!isDashboardParty(row)) throw new UnauthorizedProblem(`the client ${clientId} logs people in: its tokens do not open the API`);
  if ((req.method === 'GET' || req.method === 'HEAD') && DASHBOARD_READS.test(req.path)) return;
  throw new GatewayError('insufficient-scope', 'a dashboard\'s token (a person signed in through the gateway\'s single sign-on) reads /v1/aggregates only', {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${DASHBOARD_SCOPE}"` },
  });
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header) throw new UnauthorizedProblem('missing bearer token: send "Authorization: Bearer <access token>"');
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match || match[1].toLowerCase() !== 'bearer') {
    throw new UnauthorizedProblem('malformed Authorization header: expected "Bearer <access token>"');
  }
  if (!JWT_SHAPE.test(match[2])) throw new UnauthorizedProblem('malformed bearer token: expected a JWT access token');
  return match[2];
}

function describeJoseError(error: errors.JOSEError, options: BearerOptions): string {
  if (error instanceof errors.JWTExpired) return 'the bearer token has expired: request a new one at the token endpoint';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the bearer token has a bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) {
    return 'the bearer token has a bad signature: it is signed with a key this server does not publish (forged, or retired)';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `the bearer token must be signed with ${SIGNING_ALG}`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return `the bearer token was not issued by this server (iss must be ${options.issuer})`;
      case 'aud':
        return `the bearer token is not meant for this API (aud must be ${options.audience})`;
      case 'typ':
        return 'the bearer token is not an access token (typ must be at+jwt)';
      case 'nbf':
      case 'iat':
        return 'the bearer token is not valid yet';
      default:
        return `the bearer token has an invalid or missing ${error.claim} claim`;
    }
  }
  return 'malformed bearer token: expected a JWT access token';
}
