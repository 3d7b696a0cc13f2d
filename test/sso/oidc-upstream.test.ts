// The gateway as a relying party of an upstream OpenID Provider: a real oidc-provider on loopback, logged in
// through with plain HTTP (its login form filled and posted), and every way a callback must be refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcProviderConfig } from '../../gateway/sso/config.js';
import { createOidcUpstream } from '../../gateway/sso/upstream/oidc.js';
import { UpstreamError, type UpstreamCallback, type UpstreamProvider, type UpstreamStart } from '../../gateway/sso/upstream/upstream.js';
import { HttpBrowser, type BrowserPage } from '../support/http-browser.js';
import { startOidcIdp, type OidcIdp, type OidcIdpUser } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

/** The gateway's callback: never requested here, the browser stops before it and hands the URL to `finish`. */
const CALLBACK = 'http://127.0.0.1:9/sso/callback/academie';
const CLIENT = { client_id: 'passerelle', client_secret: 'secret-de-test-assez-long', redirect_uris: [CALLBACK] };

const pupil: OidcIdpUser = {
  login: 'lea.martin',
  password: 'motdepasse',
  claims: {
    sub: 'f3b2c1d4e5',
    given_name: 'Léa',
    family_name: 'Martin',
    FrEduCtPersonAffiliation: 'eleve2d',
    FrEduCtRefId: ['{AAF}13|x|1234567', '{AAF}13|x|7654321'],
    FrEduCtEleveNiveau: 2212,
  },
  userinfoClaims: { FrEduCtEleveUAI: '0130001A' },
};
const refusing: OidcIdpUser = { login: 'refus', password: 'motdepasse', claims: {}, denied: true };

let idp: OidcIdp;
let upstream: UpstreamProvider;

function configFor(issuer: string, overrides: Partial<OidcProviderConfig> = {}): OidcProviderConfig {
  return {
    kind: 'oidc',
    id: 'academie',
    name: 'Académie de test',
    issuer,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: ['openid', 'profile'],
    userinfo: true,
    mapping: { givenName: ['given_name'], familyName: ['family_name'] },
    link: [],
    ...overrides,
  };
}

/** Begins a login and goes through the provider's form as `user`, up to the gateway's callback. */
async function logIn(provider: UpstreamProvider, user: OidcIdpUser): Promise<{ start: UpstreamStart; callback: UpstreamCallback; form: BrowserPage }> {
  const start = await provider.begin(CALLBACK);
  if (start.step.kind !== 'redirect') throw new Error('an OIDC login starts with a redirect');
  const browser = new HttpBrowser({ stopAt: (url) => url.href.startsWith(CALLBACK) });
  const form = await browser.open(start.step.url);
  const back = await browser.submit(form, { login: user.login, password: user.password });
  if (!back.stoppedAt) throw new Error(`the provider did not send the browser back: ${back.status} ${back.body}`);
  return { start, callback: { url: back.stoppedAt.url, form: {} }, form };
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  idp = await startOidcIdp({ users: [pupil, refusing] });
  await idp.addClient(CLIENT);
  upstream = createOidcUpstream(configFor(idp.issuer));
});
afterAll(async () => idp?.close());

describe('a login through the upstream provider', () => {
  it('shows the provider\'s French login form, labelled', async () => {
    const { form } = await logIn(upstream, pupil);
    expect(form.status).toBe(200);
    expect(form.url.pathname).toMatch(/^\/interaction\//);
    expect(form.body).toContain('<label for="login">Identifiant</label>');
    expect(form.body).toContain('<label for="password">Mot de passe</label>');
    expect(form.body).toContain('Se connecter');
  });

  it('starts with PKCE S256, a random state and nonce, the configured scopes and the callback as redirect_uri', async () => {
    const [one, two] = [await upstream.begin(CALLBACK), await upstream.begin(CALLBACK)];
    if (one.step.kind !== 'redirect') throw new Error('redirect expected');
    const query = new URL(one.step.url).searchParams;
    expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'scope', 'code_challenge_method'].map((k) => [k, query.get(k)])))
      .toEqual({ response_type: 'code', client_id: 'passerelle', redirect_uri: CALLBACK, scope: 'openid profile', code_challenge_method: 'S256' });
    expect(query.get('state')).toBe(one.state);
    expect(one.state).toMatch(/^[\w-]{22,}$/);
    expect(one.saved).toMatchObject({ state: one.state, nonce: query.get('nonce') });
    expect(typeof one.saved.codeVerifier).toBe('string');
    expect(JSON.stringify(one.step)).not.toContain(one.saved.codeVerifier as string);
    expect(two.state).not.toBe(one.state);
  });

  it('gives the subject, the ID token\'s claims merged with userinfo\'s, and the ID token for logout', async () => {
    const { start, callback } = await logIn(upstream, pupil);
    const assertion = await upstream.finish(callback, start.saved, CALLBACK);
    expect(assertion.subject).toBe('f3b2c1d4e5');
    expect(assertion.attributes).toMatchObject({
      sub: ['f3b2c1d4e5'],
      given_name: ['Léa'],
      family_name: ['Martin'],
      FrEduCtPersonAffiliation: ['eleve2d'],
      FrEduCtRefId: ['{AAF}13|x|1234567', '{AAF}13|x|7654321'],
      FrEduCtEleveNiveau: ['2212'],
      FrEduCtEleveUAI: ['0130001A'],
      iss: [idp.issuer],
      aud: ['passerelle'],
    });
    expect(assertion.session.idToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('leaves out userinfo\'s claims when the configuration says not to fetch it', async () => {
    const idTokenOnly = createOidcUpstream(configFor(idp.issuer, { userinfo: false }));
    const { start, callback } = await logIn(idTokenOnly, pupil);
    const assertion = await idTokenOnly.finish(callback, start.saved, CALLBACK);
    expect(assertion.attributes.given_name).toEqual(['Léa']);
    expect(assertion.attributes).not.toHaveProperty('FrEduCtEleveUAI');
  });

  it('gets no profile claims when the profile scope is not asked for', async () => {
    const narrow = createOidcUpstream(configFor(idp.issuer, { scopes: ['openid'] }));
    const { start, callback } = await logIn(narrow, pupil);
    const assertion = await narrow.finish(callback, start.saved, CALLBACK);
    expect(assertion.attributes).not.toHaveProperty('given_name');
    expect(assertion.attributes.FrEduCtPersonAffiliation).toEqual(['eleve2d']);
  });
});

describe('what the gateway refuses', () => {
  it('a callback whose state is not the one the login was started with', async () => {
    const { start, callback } = await logIn(upstream, pupil);
    const url = new URL(callback.url);
    url.searchParams.set('state', `${start.state.slice(0, -1)}${start.state.endsWith('A') ? 'B' : 'A'}`);
    const err = await refusal(upstream.finish({ url, form: {} }, start.saved, CALLBACK));
    expect(err.reason).toBe('invalid');
    expect(err.message).toMatch(/state/);
  });

  it('a callback without a code', async () => {
    const { start, callback } = await logIn(upstream, pupil);
    const url = new URL(callback.url);
    url.searchParams.delete('code');
    const err = await refusal(upstream.finish({ url, form: {} }, start.saved, CALLBACK));
    expect(err.reason).toBe('invalid');
    expect(err.message).toMatch(/code/);
  });

  it('the same callback twice: the provider refuses the replayed code', async () => {
    const { start, callback } = await logIn(upstream, pupil);
    await upstream.finish(callback, start.saved, CALLBACK);
    const err = await refusal(upstream.finish(callback, start.saved, CALLBACK));
    expect(err.reason).toBe('invalid');
    expect(err.message).toMatch(/invalid_grant/);
  });

  it('a code redeemed with another PKCE verifier, or with none saved', async () => {
    const first = await logIn(upstream, pupil);
    const other = await upstream.begin(CALLBACK);
    const wrong = await refusal(upstream.finish(first.callback, { ...first.start.saved, codeVerifier: other.saved.codeVerifier }, CALLBACK));
    expect(wrong.reason).toBe('invalid');
    expect(wrong.message).toMatch(/invalid_grant/);

    const second = await logIn(upstream, pupil);
    const { codeVerifier: _dropped, ...withoutVerifier } = second.start.saved;
    const missing = await refusal(upstream.finish(second.callback, withoutVerifier, CALLBACK));
    expect(missing.reason).toBe('invalid');
    expect(missing.message).toMatch(/codeVerifier/);
  });

  it('an ID token whose nonce is not the login\'s', async () => {
    const { start, callback } = await logIn(upstream, pupil);
    const err = await refusal(upstream.finish(callback, { ...start.saved, nonce: 'another-nonce-entirely-0123456789' }, CALLBACK));
    expect(err.reason).toBe('invalid');
    expect(err.message).toMatch(/nonce/);
  });

  it('an ID token signed by a key the provider does not publish (same kid and alg), then signed right again', async () => {
    idp.signIdTokensWithRogueKey(true);
    try {
      const { start, callback } = await logIn(upstream, pupil);
      const err = await refusal(upstream.finish(callback, start.saved, CALLBACK));
      expect(err.reason).toBe('invalid');
      expect(err.message).toMatch(/signature verification failed/);
    } finally {
      idp.signIdTokensWithRogueKey(false);
    }
    const { start, callback } = await logIn(upstream, pupil);
    expect((await upstream.finish(callback, start.saved, CALLBACK)).subject).toBe('f3b2c1d4e5');
  });

  it('reports the provider\'s access_denied as a refusal', async () => {
    const { start, callback } = await logIn(upstream, refusing);
    expect(callback.url.searchParams.get('error')).toBe('access_denied');
    const err = await refusal(upstream.finish(callback, start.saved, CALLBACK));
    expect(err.reason).toBe('refused');
    expect(err.message).toMatch(/access_denied/);
  });

  it('a plain http issuer off loopback, at creation', () => {
    expect(() => createOidcUpstream(configFor('http://idp.example.fr'))).toThrow(/loopback/);
    expect(() => createOidcUpstream(configFor('http://[::1]:8080'))).not.toThrow();
  });
});

describe('a provider that cannot be reached', () => {
  it('is unavailable, and a later login works once it answers (the failed discovery was not kept)', async () => {
    const port = await freePort();
    const later = createOidcUpstream(configFor(`http://127.0.0.1:${port}`));
    const err = await refusal(later.begin(CALLBACK));
    expect(err.reason).toBe('unavailable');
    expect(err.message).toMatch(/ECONNREFUSED/);

    const revived = await startOidcIdp({ users: [pupil], clients: [CLIENT], port });
    try {
      const { start, callback } = await logIn(later, pupil);
      expect((await later.finish(callback, start.saved, CALLBACK)).subject).toBe('f3b2c1d4e5');
    } finally {
      await revived.close();
    }
  });

  it('is unavailable while it answers with a server error', async () => {
    const failing = http.createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const issuer = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
      const err = await refusal(createOidcUpstream(configFor(issuer)).begin(CALLBACK));
      expect(err.reason).toBe('unavailable');
      expect(err.message).toMatch(/HTTP 503/);
    } finally {
      failing.closeAllConnections();
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('is unavailable when it goes away between the login and the callback', async () => {
    const leaving = await startOidcIdp({ users: [pupil], clients: [CLIENT] });
    const provider = createOidcUpstream(configFor(leaving.issuer));
    const { start, callback } = await logIn(provider, pupil);
    await leaving.close();
    const err = await refusal(provider.finish(callback, start.saved, CALLBACK));
    expect(err.reason).toBe('unavailable');
  });
});

describe('the stand-in and the browser-less client', () => {
  it('shows the form again, in French, after a wrong password', async () => {
    const start = await upstream.begin(CALLBACK);
    if (start.step.kind !== 'redirect') throw new Error('redirect expected');
    const browser = new HttpBrowser({ stopAt: (url) => url.href.startsWith(CALLBACK) });
    const again = await browser.submit(await browser.open(start.step.url), { login: pupil.login, password: 'faux' });
    expect(again.status).toBe(401);
    expect(again.body).toContain('Identifiant ou mot de passe incorrect.');
    expect(again.stoppedAt).toBeUndefined();
  });

  it('posts a form the page submits by itself (response_mode=form_post), keeping the chain of URLs', async () => {
    const start = await upstream.begin(CALLBACK);
    if (start.step.kind !== 'redirect') throw new Error('redirect expected');
    const url = new URL(start.step.url);
    url.searchParams.set('response_mode', 'form_post');
    const browser = new HttpBrowser({ stopAt: (u) => u.href.startsWith(CALLBACK) });
    const form = await browser.open(url);
    const back = await browser.submit(form, { login: pupil.login, password: pupil.password });
    expect(back.stoppedAt?.method).toBe('POST');
    expect(back.stoppedAt?.form).toMatchObject({ state: start.state, iss: idp.issuer });
    expect(back.stoppedAt?.form.code).toBeTruthy();
    expect(back.chain[0]).toMatch(/\/interaction\//);
    expect(back.chain.at(-1)).toMatch(/\/auth\//);
    expect(Object.keys(browser.cookies(idp.issuer))).toContain('idp_session');
  });

  it('follows links, submits GET forms to relative actions, re-posts on 307 and keeps cookies to their path', async () => {
    const seen: string[] = [];
    const site = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname}${url.search} cookie=${req.headers.cookie ?? ''}`);
      const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      switch (url.pathname) {
        case '/':
          res.setHeader('set-cookie', ['partout=1; Path=/', 'compte=2; Path=/compte; SameSite=Strict']);
          return html('<p><a href="/compte/recherche">Rechercher <em>un élève</em></a></p>');
        case '/compte/recherche':
          return html('<form action="resultats"><input name="q" value=""><select name="niveau"><option value="6e">6e</option><option value="5e" selected>5e</option></select><input type="checkbox" name="archives" value="oui"><button name="go" value="1">Chercher</button></form>');
        case '/compte/resultats':
          return html('<form method="POST" action="/compte/envoi"><input type="hidden" name="jeton" value="a&amp;b"><textarea name="note">bonjour</textarea></form>');
        case '/compte/envoi':
          return res.writeHead(307, { location: '/compte/recu' }).end();
        default:
          return html('<p>reçu</p>');
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    try {
      const browser = new HttpBrowser();
      const search = await browser.follow(await browser.open(`${origin}/`), 'un élève');
      const results = await browser.submit(search, { q: 'Léa' });
      expect(results.url.href).toBe(`${origin}/compte/resultats?q=L%C3%A9a&niveau=5e&go=1`);
      const done = await browser.submit(results, { note: 'merci' });
      expect(done.chain).toEqual([`${origin}/compte/envoi`, `${origin}/compte/recu`]);
      expect(done.body).toContain('reçu');
      expect(seen).toEqual([
        'GET / cookie=',
        'GET /compte/recherche cookie=compte=2; partout=1',
        'GET /compte/resultats?q=L%C3%A9a&niveau=5e&go=1 cookie=compte=2; partout=1',
        'POST /compte/envoi cookie=compte=2; partout=1',
        'POST /compte/recu cookie=compte=2; partout=1',
      ]);
      expect(browser.cookies(origin)).toEqual({ partout: '1', compte: '2' });
    } finally {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it('sends SameSite=Strict and Lax cookies only as a browser would when another site posts or links to it', async () => {
    const received: string[] = [];
    const site = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      if (url.pathname === '/connexion') {
        res.setHeader('set-cookie', ['stricte=1; Path=/; SameSite=Strict', 'souple=2; Path=/; SameSite=Lax', 'partout=3; Path=/; SameSite=None; Secure']);
        return html('<p>connecté</p>');
      }
      // Another site (localhost is not 127.0.0.1): a page that posts itself back, and a page linking back.
      const back = `http://127.0.0.1:${url.searchParams.get('port')}/retour`;
      if (url.pathname === '/ailleurs-formulaire') {
        return html(`<form method="post" action="${back}"><input type="hidden" name="SAMLResponse" value="x"></form><script>document.forms[0].submit()</script>`);
      }
      if (url.pathname === '/ailleurs-lien') return html(`<a href="${back}">retour</a>`);
      received.push(`${req.method} ${req.headers.cookie ?? ''}`);
      return html('<p>retour</p>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const port = (site.address() as AddressInfo).port;
    try {
      const browser = new HttpBrowser();
      await browser.open(`http://127.0.0.1:${port}/connexion`);
      await browser.open(`http://localhost:${port}/ailleurs-formulaire?port=${port}`);
      await browser.follow(await browser.open(`http://localhost:${port}/ailleurs-lien?port=${port}`), 'retour');
      await browser.open(`http://127.0.0.1:${port}/retour`);
      expect(received).toEqual(['POST partout=3', 'GET souple=2; partout=3', 'GET stricte=1; souple=2; partout=3']);
    } finally {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
  });
});
