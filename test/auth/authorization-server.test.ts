// The authorization server end to end: discovery, client-credentials tokens (secret and private_key_jwt), the
// bearer check on a /v1 route, revocation, secret and key rotation, and the `clients` CLI — over real HTTP on
// loopback and a real PostgreSQL schema of its own.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import express from 'express';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationServer, type AuthorizationServer } from '../../gateway/auth/authorization-server.js';
import { requireAnyScope, scopedAccess } from '../../gateway/http/context.js';
import { createClient, revokeClient, rotateClientSecret, updateClient } from '../../gateway/auth/clients.js';
import { retireSigningKey, rotateSigningKey } from '../../gateway/auth/keys.js';
import type { Caller } from '../../gateway/auth/scopes.js';
import { loadConfig, type Config } from '../../gateway/config/config.js';
import { problemHandler } from '../../gateway/http/problem.js';
import { openStore, type Store } from '../../gateway/store/db.js';
import { createClientWithToken, fetchToken, TokenRequestError } from '../support/clients.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';

const DATABASE_URL = TEST_DATABASE_URL;
const PUBLIC_URL = 'https://passerelle.test';
const AUDIENCE = `${PUBLIC_URL}/v1`;
const PROBLEM = `${PUBLIC_URL}/problems/`;
const UAI = 'uai:0750655E';

const schema = uniqueSchema('auth');
const config: Config = loadConfig({ DATABASE_URL, DATABASE_SCHEMA: schema, PUBLIC_URL, ACCESS_TOKEN_TTL: '300' });

interface Running {
  auth: AuthorizationServer;
  baseUrl: string;
  close(): Promise<void>;
}

let store: Store;
let gateway: Running;
/** The bearer check's client cache runs on this clock, moved by hand. */
let clockMs = Date.now();

async function startGateway(): Promise<Running> {
  const auth = await createAuthorizationServer({
    config,
    db: store.db,
    logger: pino({ level: 'silent' }),
    clientCacheMs: 2_000,
    now: () => clockMs,
  });
  const app = express();
  app.use(auth.handler);
  app.use(express.json());
  app.get('/v1/ping', auth.authenticate, scopedAccess(store.db, auth.reloadCaller), requireAnyScope(['roster.read']), (_req, res) => {
    const caller = res.locals.caller as Caller;
    res.json({ clientId: caller.clientId, scopes: [...caller.scopes], perimeter: caller.perimeter });
  });
  app.use(problemHandler(PUBLIC_URL));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    auth,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
    },
  };
}

beforeAll(async () => {
  store = await openStore(config);
  await store.migrate();
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
  await store?.close();
});

function ping(token?: string, baseUrl = gateway.baseUrl): Promise<Response> {
  return fetch(`${baseUrl}/v1/ping`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

async function tokenError(promise: Promise<unknown>): Promise<{ status: number; error?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenRequestError) return { status: error.status, error: error.body.error };
    throw error;
  }
  throw new Error('expected the token request to be refused');
}

async function problem(response: Response): Promise<{ type: string; status: number; detail: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { type: string; status: number; detail: string };
}

/** A token signed with the server's own current key, with claims of our choosing. */
async function tokenSignedByServer(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const row = await store.db
    .selectFrom('signing_key')
    .select(['kid', 'private_jwk'])
    .where('alg', '=', 'ES256')
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const key = await importJWK(row.private_jwk as JWK, 'ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: row.kid, ...header }).sign(key);
}

describe('discovery and routing', () => {
  it('serves discovery at the root with the endpoints under /oauth/ of the public URL', async () => {
    const response = await fetch(`${gateway.baseUrl}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(PUBLIC_URL);
    expect(doc.token_endpoint).toBe(`${PUBLIC_URL}/oauth/token`);
    expect(doc.jwks_uri).toBe(`${PUBLIC_URL}/oauth/jwks`);
    // `none`: dashboard parties only, public clients whose codes PKCE protects (test/pages/dashboard-sso.test.ts).
    expect(doc.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'private_key_jwt', 'none']);
    expect(doc.grant_types_supported).toContain('client_credentials');
    expect(doc.grant_types_supported).not.toContain('implicit');
  });

  it('a spoofed Host header does not change the advertised endpoints', async () => {
    const response = await fetch(`${gateway.baseUrl}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    });
    expect(((await response.json()) as { token_endpoint: string }).token_endpoint).toBe(`${PUBLIC_URL}/oauth/token`);
  });

  it('leaves every other path to the rest of the express app', async () => {
    expect((await fetch(`${gateway.baseUrl}/not-oauth`)).status).toBe(404);
    const response = await ping();
    expect(response.status).toBe(401);
    expect((await problem(response)).type).toBe(`${PROBLEM}unauthorized`);
  });
});

describe('client credentials at /oauth/token', () => {
  it('client_secret_basic without resource gives an ES256 at+jwt for the API with a published kid and all the client\'s scopes', async () => {
    const { clientId, clientSecret } = await createClientWithToken(store.db, gateway.baseUrl, {
      scopes: ['roster.read', 'timetable.read'],
      perimeter: [UAI],
    });
    const granted = await fetchToken(gateway.baseUrl, clientId, clientSecret);
    expect(granted.token_type).toBe('Bearer');
    expect(granted.expires_in).toBe(300);
    expect(granted.scope).toBe('roster.read timetable.read');
    const header = decodeProtectedHeader(granted.access_token);
    expect(header.alg).toBe('ES256');
    expect(header.typ).toBe('at+jwt');
    const jwks = (await (await fetch(`${gateway.baseUrl}/oauth/jwks`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    expect((await gateway.auth.jwks()).keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));
    const claims = decodeJwt(granted.access_token);
    expect(claims.iss).toBe(PUBLIC_URL);
    expect(claims.aud).toBe(AUDIENCE);
    expect(claims.client_id).toBe(clientId);
    expect(claims.scope).toBe('roster.read timetable.read');
    expect(claims.exp! - claims.iat!).toBe(300);
  });

  it('grants a requested subset of the client\'s scopes', async () => {
    const { clientId, clientSecret } = await createClientWithToken(store.db, gateway.baseUrl, {
      scopes: ['roster.read', 'timetable.read'],
      perimeter: [UAI],
    });
    const granted = await fetchToken(gateway.baseUrl, clientId, clientSecret, 'timetable.read');
    expect(granted.scope).toBe('timetable.read');
    expect(decodeJwt(granted.access_token).scope).toBe('timetable.read');
  });

  it('refuses a scope the client lacks, or a name that is no scope, with invalid_scope', async () => {
    const { clientId, clientSecret } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, clientSecret, 'roster.read admin'))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, clientSecret, 'everything'))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, clientSecret, 'openid'))).toEqual({ status: 400, error: 'invalid_scope' });
  });

  it('refuses a wrong secret and an unknown client with 401 invalid_client', async () => {
    const { clientId } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, 'not-the-secret'))).toEqual({ status: 401, error: 'invalid_client' });
    expect(await tokenError(fetchToken(gateway.baseUrl, 'pas_aaaaaaaaaaaaaaaa', 'whatever'))).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses client_secret_post: only client_secret_basic and private_key_jwt are accepted', async () => {
    const { clientId, clientSecret } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    const response = await fetch(`${gateway.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('private_key_jwt: a client signs an assertion with its own ES256 key; a replayed assertion is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'client-key-1', alg: 'ES256', use: 'sig' };
    const { client, clientSecret } = await createClient(store.db, {
      name: 'ENT with keys',
      scopes: ['roster.read'],
      perimeter: [UAI],
      authMethod: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
    });
    expect(clientSecret).toBeUndefined();
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'client-key-1' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(PUBLIC_URL)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    const request = () =>
      fetch(`${gateway.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
    const first = await request();
    expect(first.status).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };
    expect(decodeJwt(access_token).aud).toBe(AUDIENCE);
    expect((await ping(access_token)).status).toBe(200);

    const replay = await request();
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('bearer check on /v1', () => {
  it('answers 200 with the caller (client, scopes, perimeter) when the token holds the route\'s scope', async () => {
    const { clientId, token } = await createClientWithToken(store.db, gateway.baseUrl, {
      scopes: ['roster.read', 'occupancy.read'],
      perimeter: ['departement:069', UAI],
    });
    const response = await ping(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      clientId,
      scopes: ['roster.read', 'occupancy.read'],
      perimeter: ['departement:069', UAI],
    });
  });

  it('answers 401 problem+json without a token, naming what is missing', async () => {
    const response = await ping();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const body = await problem(response);
    expect(body.type).toBe(`${PROBLEM}unauthorized`);
    expect(body.detail).toMatch(/missing bearer token/);
  });

  it('answers 401 for a malformed token without echoing it', async () => {
    const response = await ping('not-a-jwt-at-all');
    expect(response.status).toBe(401);
    const body = await problem(response);
    expect(body.type).toBe(`${PROBLEM}unauthorized`);
    expect(body.detail).toMatch(/malformed bearer token/);
    expect(JSON.stringify(body)).not.toContain('not-a-jwt-at-all');
  });

  it('answers 401 for a token forged with another key, whether its kid is unknown or copies the server\'s', async () => {
    const { clientId } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    const { privateKey } = await generateKeyPair('ES256');
    const serverKid = (await gateway.auth.jwks()).keys[0].kid!;
    for (const kid of ['attacker-key', serverKid]) {
      const forged = await new SignJWT({ client_id: clientId, scope: 'roster.read' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(PUBLIC_URL)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      const response = await ping(forged);
      expect(response.status).toBe(401);
      const body = await problem(response);
      expect(body.type).toBe(`${PROBLEM}unauthorized`);
      expect(body.detail).toMatch(/bad signature/);
      expect(JSON.stringify(body)).not.toContain(forged);
    }
  });

  it('answers 401 for an expired token signed by the server\'s own key', async () => {
    const { clientId } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    const now = Math.floor(Date.now() / 1000);
    const expired = await tokenSignedByServer({
      iss: PUBLIC_URL, aud: AUDIENCE, client_id: clientId, sub: clientId, scope: 'roster.read', iat: now - 3600, exp: now - 1800,
    });
    const response = await ping(expired);
    expect(response.status).toBe(401);
    expect((await problem(response)).detail).toMatch(/expired/);
  });

  it('answers 401 for a server-signed token meant for another audience or that is not an access token', async () => {
    const { clientId } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: PUBLIC_URL, aud: AUDIENCE, client_id: clientId, scope: 'roster.read', iat: now, exp: now + 300 };
    const otherAudience = await ping(await tokenSignedByServer({ ...base, aud: 'https://elsewhere.example/api' }));
    expect(otherAudience.status).toBe(401);
    expect((await problem(otherAudience)).detail).toMatch(/not meant for this API/);
    const idTokenLike = await ping(await tokenSignedByServer(base, { typ: 'JWT' }));
    expect(idTokenLike.status).toBe(401);
    expect((await problem(idTokenLike)).detail).toMatch(/not an access token/);
  });

  it('answers 403 insufficient-scope when the token lacks the route\'s scope', async () => {
    const { token } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['timetable.read'], perimeter: [UAI] });
    const response = await ping(token);
    expect(response.status).toBe(403);
    const body = await problem(response);
    expect(body.type).toBe(`${PROBLEM}insufficient-scope`);
    expect(body.detail).toMatch(/roster\.read/);
  });

  it('uses the client\'s current scopes and perimeter, not those at issuance, once its short cache expires', async () => {
    const { clientId, token } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read', 'timetable.read'], perimeter: [UAI] });
    expect((await ping(token)).status).toBe(200);
    await updateClient(store.db, clientId, { scopes: ['timetable.read'] });
    clockMs += 5_000;
    const response = await ping(token);
    expect(response.status).toBe(403);
    expect((await problem(response)).type).toBe(`${PROBLEM}insufficient-scope`);

    await updateClient(store.db, clientId, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    clockMs += 5_000;
    const after = await ping(token);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { scopes: string[]; perimeter: string[] })).toMatchObject({ scopes: ['roster.read'], perimeter: ['departement:069'] });
  });

  it('refuses a revoked client\'s token once its short cache expires, and gives it no new token', async () => {
    const { clientId, clientSecret, token } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    expect((await ping(token)).status).toBe(200);
    await revokeClient(store.db, clientId);
    clockMs += 5_000;
    const response = await ping(token);
    expect(response.status).toBe(401);
    const body = await problem(response);
    expect(body.type).toBe(`${PROBLEM}unauthorized`);
    expect(body.detail).toMatch(/unknown or revoked/);
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, clientSecret))).toEqual({ status: 401, error: 'invalid_client' });
  });
});

describe('secrets', () => {
  it('stores only a salted hash of the secret', async () => {
    const { client, clientSecret } = await createClient(store.db, { name: 'hashed', scopes: ['roster.read'], perimeter: [UAI] });
    const row = await store.db.selectFrom('api_client').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(row)).not.toContain(clientSecret!);
  });

  it('rotate-secret makes the old secret fail and the new one work', async () => {
    const { clientId, clientSecret } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
    const fresh = await rotateClientSecret(store.db, clientId);
    expect(fresh).not.toBe(clientSecret);
    expect(await tokenError(fetchToken(gateway.baseUrl, clientId, clientSecret))).toEqual({ status: 401, error: 'invalid_client' });
    expect((await fetchToken(gateway.baseUrl, clientId, fresh)).access_token).toBeTruthy();
  });
});

describe('signing key rotation', () => {
  it('a new key becomes current, the old one stays published, and tokens of both verify — here and on a replica', async () => {
    const replica = await startGateway(); // started before the rotation: it only knows the old key
    try {
      const { clientId, clientSecret, token: oldToken } = await createClientWithToken(store.db, gateway.baseUrl, { scopes: ['roster.read'], perimeter: [UAI] });
      const oldKid = decodeProtectedHeader(oldToken).kid!;

      const newKid = await rotateSigningKey(store.db);
      expect(newKid).not.toBe(oldKid);
      expect(await gateway.auth.reloadKeys()).toBe(true);
      expect(await gateway.auth.reloadKeys()).toBe(false);

      const newToken = (await fetchToken(gateway.baseUrl, clientId, clientSecret)).access_token;
      expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
      const published = (await (await fetch(`${gateway.baseUrl}/oauth/jwks`)).json()) as { keys: JWK[] };
      expect(published.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
      expect((await ping(oldToken)).status).toBe(200);
      expect((await ping(newToken)).status).toBe(200);
      // The replica meets an unknown kid, reloads its keys from the store, and accepts the token.
      expect((await ping(newToken, replica.baseUrl)).status).toBe(200);
      expect((await ping(oldToken, replica.baseUrl)).status).toBe(200);

      await retireSigningKey(store.db, oldKid);
      await gateway.auth.reloadKeys();
      const refused = await ping(oldToken);
      expect(refused.status).toBe(401);
      expect((await problem(refused)).detail).toMatch(/bad signature/);
      expect((await ping(newToken)).status).toBe(200);
      const after = (await (await fetch(`${gateway.baseUrl}/oauth/jwks`)).json()) as { keys: JWK[] };
      expect(after.keys.map((k) => k.kid)).toEqual([newKid]);
    } finally {
      await replica.close();
    }
  });
});

describe('passerelle clients (CLI)', () => {
  const tsx = path.resolve('node_modules/.bin/tsx');
  const cliModule = pathToFileURL(path.resolve('gateway/cli/clients.ts')).href;
  let script: string;
  const run = (args: string[]) =>
    promisify(execFile)(tsx, [script, ...args], {
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: schema, PUBLIC_URL },
      encoding: 'utf8',
    });

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-cli-'));
    script = path.join(dir, 'clients-cli.mts');
    fs.writeFileSync(
      script,
      `import { clientsCommand } from ${JSON.stringify(cliModule)};\n` +
        'await clientsCommand().parseAsync(process.argv.slice(2), { from: "user" });\n',
    );
  });

  it('create --json prints the client id and a secret that works at the token endpoint', async () => {
    const { stdout } = await run(['create', '--name', 'ENT Lyon', '--scopes', 'roster.read,timetable.read', '--perimeter', 'uai:0750655e,departement:069', '--json']);
    const created = JSON.parse(stdout) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: 'ENT Lyon',
      scopes: ['roster.read', 'timetable.read'],
      perimeter: [UAI, 'departement:069'],
      authMethod: 'client_secret_basic',
      status: 'active',
    });
    expect(created.clientId).toMatch(/^pas_[a-z2-7]{16}$/);
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const granted = await fetchToken(gateway.baseUrl, created.clientId as string, created.clientSecret as string);
    expect((await ping(granted.access_token)).status).toBe(200);
  });

  it('a bad scope exits non-zero with a message on stderr naming the option and the value', async () => {
    const failure = await run(['create', '--name', 'X', '--scopes', 'roster.read,everything', '--perimeter', UAI]).then(
      () => undefined,
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toMatch(/--scopes: scope "everything"/);
  });
});
