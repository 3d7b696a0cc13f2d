// A real OpenID Provider on loopback (panva's oidc-provider, its own instance and in-memory storage) standing in
// for an upstream identity provider: its own French login form, no consent page, test users whose claims it
// releases in the ID token and at userinfo, PKCE required, ES256 ID tokens. Cheap enough for a benchmark: keys
// made once at start, no delays. Switches for negative tests: ID tokens signed by a key it does not publish,
// and a user it answers `access_denied` for.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import Provider, {
  type Adapter, type AdapterPayload, type ClientMetadata, type Configuration,
} from 'oidc-provider';

export interface OidcIdpUser {
  readonly login: string;
  readonly password: string;
  /** Released to every client (by their OIDC scope for the standard ones, with `openid` for any other); `sub` defaults to the login. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Released at userinfo only, not in the ID token (as providers with a thin ID token do). */
  readonly userinfoClaims?: Readonly<Record<string, unknown>>;
  /** The provider answers `access_denied` when this user logs in (as when a person refuses). */
  readonly denied?: boolean;
}

export interface OidcIdpClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: readonly string[];
}

export interface OidcIdp {
  /** `http://127.0.0.1:{port}`: discovery at `{issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Registers a confidential client (client_secret_basic, authorization code with PKCE). */
  addClient(client: OidcIdpClient): Promise<void>;
  /** While on, ID tokens are signed by a key absent from the JWKS, with the published key's kid and alg. */
  signIdTokensWithRogueKey(on: boolean): void;
  close(): Promise<void>;
}

export interface OidcIdpOptions {
  readonly users: readonly OidcIdpUser[];
  readonly clients?: readonly OidcIdpClient[];
  /** Default: any free port. A test of an unreachable provider starts it later on a port chosen beforehand. */
  readonly port?: number;
}

const ALG = 'ES256';
const KID = 'idp-signing-key';
/** Standard OIDC scopes and their claims (OIDC Core 5.4); any other claim of a user comes with `openid`. */
const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
    'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

export async function startOidcIdp(options: OidcIdpOptions): Promise<OidcIdp> {
  const users = new Map(options.users.map((user) => [subjectOf(user), user]));
  const clients = new Map<string, AdapterPayload>();
  const [signing, rogue] = await Promise.all([generateKeyPair(ALG, { extractable: true }), generateKeyPair(ALG)]);
  let rogueSigning = false;

  let serve: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => serve(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(clients),
    jwks: { keys: [{ ...(await exportJWK(signing.privateKey)), kid: KID, alg: ALG, use: 'sig' }] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // Not oidc-provider's default names, which the gateway's own provider uses: a real browser keeps one
      // cookie jar per host whatever the port, and both run on 127.0.0.1.
      names: { session: 'idp_session', interaction: 'idp_interaction', resume: 'idp_interaction_resume' },
    },
    claims: claimsByScope(options.users),
    // Every released claim in the ID token as well as at userinfo, as ÉduConnect-like providers do.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: ALG,
    },
    enabledJWA: { idTokenSigningAlgValues: [ALG] },
    features: { devInteractions: { enabled: false } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // No consent page: every scope the client asks for is granted.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    findAccount: (_ctx, sub) => {
      const user = users.get(sub);
      return user && {
        accountId: sub,
        claims: (use) => ({ ...user.claims, ...(use === 'userinfo' ? user.userinfoClaims : {}), sub }),
      };
    },
  } satisfies Configuration);

  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (rogueSigning && ctx.path === '/token' && typeof body?.id_token === 'string') {
      ctx.body = { ...body, id_token: await resign(body.id_token, rogue.privateKey) };
    }
  });

  const providerCallback = provider.callback();
  serve = (req, res) => {
    const { pathname } = new URL(req.url ?? '/', issuer);
    if (!pathname.startsWith('/interaction/')) {
      void providerCallback(req, res);
      return;
    }
    interaction(provider, users, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(String(err));
    });
  };

  const addClient = async (client: OidcIdpClient) => {
    const metadata = { ...client, redirect_uris: [...client.redirect_uris] };
    await (provider.Client as unknown as { validate(m: ClientMetadata): Promise<void> }).validate(metadata);
    clients.set(client.client_id, metadata);
  };
  for (const client of options.clients ?? []) await addClient(client);

  return {
    issuer,
    addClient,
    signIdTokensWithRogueKey(on) {
      rogueSigning = on;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function subjectOf(user: OidcIdpUser): string {
  return typeof user.claims.sub === 'string' ? user.claims.sub : user.login;
}

/** oidc-provider releases only the claims its configuration names: the standard scopes, and every test claim with openid. */
function claimsByScope(users: readonly OidcIdpUser[]): Record<string, string[]> {
  const standard = new Set(Object.values(SCOPE_CLAIMS).flat());
  const others = new Set(users.flatMap((user) => Object.keys({ ...user.claims, ...user.userinfoClaims })).filter((name) => !standard.has(name) && name !== 'sub'));
  return { openid: ['sub', ...others], ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, names]) => [scope, [...names]])) };
}

/** The same header and payload, signed by `key`: only the signature differs from what the provider made. */
async function resign(jwt: string, key: CryptoKey): Promise<string> {
  const [header, payload] = jwt.split('.');
  return new CompactSign(Buffer.from(payload!, 'base64url'))
    .setProtectedHeader(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')))
    .sign(key);
}

/** The login page (GET) and its answer (POST) for one interaction. */
async function interaction(provider: Provider, users: ReadonlyMap<string, OidcIdpUser>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method !== 'POST') {
    page(res, 200, details.uid);
    return;
  }
  const form = new URLSearchParams(await bodyOf(req));
  const user = [...users.values()].find((u) => u.login === form.get('login') && u.password === form.get('password'));
  if (!user) {
    page(res, 401, details.uid, 'Identifiant ou mot de passe incorrect.');
    return;
  }
  const result = user.denied
    ? { error: 'access_denied', error_description: 'La personne a refusé la connexion.' }
    : { login: { accountId: subjectOf(user) } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

function page(res: http.ServerResponse, status: number, uid: string, error?: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Connexion – fournisseur d'identité de test</title></head>
<body>
<main>
<h1>Connexion</h1>
${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}">
<p><label for="login">Identifiant</label> <input id="login" name="login" autocomplete="username" required></p>
<p><label for="password">Mot de passe</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Se connecter</button></p>
</form>
</main>
</body>
</html>
`);
}

async function bodyOf(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The provider's storage, in this instance's memory: clients from `clients`, everything else in a map whose
 * expired entries are swept now and then (a benchmark logs in thousands of times).
 */
function memoryAdapter(clients: ReadonlyMap<string, AdapterPayload>): (model: string) => Adapter {
  const entries = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const sessionsByUid = new Map<string, string>();
  let writes = 0;

  const live = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry?.payload;
  };
  const sweep = () => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    for (const [uid, key] of sessionsByUid) if (!entries.has(key)) sessionsByUid.delete(uid);
  };

  return (model) => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        if (++writes % 1000 === 0) sweep();
        entries.set(keyOf(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
        if (model === 'Session' && payload.uid) sessionsByUid.set(payload.uid, keyOf(id));
      },
      async find(id) {
        return model === 'Client' ? clients.get(id) : live(keyOf(id));
      },
      async findByUid(uid) {
        const key = sessionsByUid.get(uid);
        return key ? live(key) : undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
      },
    };
  };
}
