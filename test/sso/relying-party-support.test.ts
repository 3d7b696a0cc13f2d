// The test relying party (test/support/relying-party.ts) against a plain oidc-provider with its development
// login page (any login is accepted): it starts a login with PKCE S256, state and nonce, signs in from a real
// browser and from a fetch client, shows the claims, logs out through the end-session endpoint, and takes only
// the back-channel logout tokens that pass every check, ending the local session they name.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../support/ports.js';
import { startRelyingParty, type RelyingParty } from '../support/relying-party.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let issuer: string;
let providerServer: http.Server;
let signingKey: CryptoKey;
let signingKid: string;
let school: RelyingParty;
let canteen: RelyingParty;
let sansBrowser: RelyingParty;

const clientOf = (rp: RelyingParty, clientId: string) => ({
  client_id: clientId, client_secret: `${clientId}-secret-0123456789abcdef`,
  redirect_uris: [rp.redirectUri], post_logout_redirect_uris: [rp.postLogoutRedirectUri],
  backchannel_logout_uri: rp.backchannelLogoutUri, backchannel_logout_session_required: true,
});

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const start = (clientId: string, name: string) => startRelyingParty({
    issuer, clientId, clientSecret: `${clientId}-secret-0123456789abcdef`, scopes: ['profile', 'email'], name,
  });
  [school, canteen, sansBrowser] = await Promise.all([start('ent', 'ENT du collège'), start('cantine', 'Cantine'), start('fetch', 'Client fetch')]);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  signingKey = privateKey;
  signingKid = 'test-key';
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: signingKid, alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [clientOf(school, 'ent'), clientOf(canteen, 'cantine'), clientOf(sansBrowser, 'fetch')],
    jwks: { keys: [jwk] },
    cookies: { keys: ['relying-party-support-test-cookie-key'] },
    features: { devInteractions: { enabled: true }, backchannelLogout: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name'], email: ['email'] },
    // oidc-provider's own dispatcher refuses special-use addresses (SSRF protection): the parties are on loopback.
    fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: `Léa ${sub}`, given_name: 'Léa', family_name: sub, email: `${sub}@ac-lyon.example` }),
    }),
  });
  providerServer = http.createServer(provider.callback());
  await new Promise<void>((resolve) => providerServer.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const rp of [school, canteen, sansBrowser]) await rp?.close();
  providerServer?.closeAllConnections();
  await new Promise((resolve) => providerServer?.close(resolve));
});

describe('starting a login', () => {
  it('redirects to the authorization endpoint with the code flow, PKCE S256, a state and a nonce', async () => {
    const response = await fetch(school.loginUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${issuer}/auth`);
    const query = Object.fromEntries(location.searchParams);
    expect(query).toMatchObject({
      client_id: 'ent', response_type: 'code', redirect_uri: school.redirectUri, scope: 'openid profile email', code_challenge_method: 'S256',
    });
    for (const name of ['code_challenge', 'state', 'nonce']) expect(query[name]).toMatch(/^[\w-]{20,}$/);
  });

  it('refuses a callback whose state it never issued', async () => {
    const response = await fetch(`${school.redirectUri}?code=x&state=forged`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<p id="status">non connecté</p>');
    expect(school.sessions()).toEqual([]);
  });
});

/** A fetch client with a cookie jar: follows redirects by hand so each response's cookies are kept. */
function fetchClient() {
  const jar = new Map<string, Map<string, string>>();
  async function go(url: string, init: RequestInit = {}): Promise<{ url: string; response: Response }> {
    for (let current = url, hops = 0; hops < 20; hops += 1) {
      const { host } = new URL(current);
      const cookies = jar.get(host) ?? new Map<string, string>();
      const response = await fetch(current, {
        ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        const expired = /expires=Thu, 01 Jan 1970/i.test(line);
        if (expired) cookies.delete(pair!.slice(0, at)); else cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      jar.set(host, cookies);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current).href;
      init = {};
    }
    throw new Error('too many redirects');
  }
  /** Posts the page's first form with `fields` added to its own. */
  async function submit(from: { url: string; response: Response }, fields: Record<string, string>) {
    const html = await from.response.text();
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error(`no form in ${html}`);
    const hidden = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k!, v!]));
    return go(new URL(form[1]!, from.url).href, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }),
    });
  }
  return { go, submit };
}

describe('a fetch client', () => {
  it('signs in through the development login and consent, then reads its claims on the party\'s page', async () => {
    const client = fetchClient();
    const login = await client.go(sansBrowser.loginUrl);
    const consent = await client.submit(login, { login: 'paul', password: 'any' });
    const home = await client.submit(consent, {});
    expect(home.url).toBe(`${sansBrowser.url}/`);
    const html = await home.response.text();
    expect(html).toContain('<p id="status">connecté</p>');
    expect(html).toContain('&#34;sub&#34;: &#34;paul&#34;');
    const [session] = sansBrowser.sessions();
    expect(session).toMatchObject({ sub: 'paul', userinfo: { sub: 'paul', name: 'Léa paul', email: 'paul@ac-lyon.example' } });
    expect(session!.sid).toEqual(expect.any(String));
    expect(sansBrowser.lastTokenResponse).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), id_token: expect.any(String), access_token: expect.any(String) });
  });

  it('stays signed out and keeps the provider\'s error when the person cancels the login', async () => {
    const client = fetchClient();
    const login = await client.go(sansBrowser.loginUrl);
    const abort = /href="([^"]*\/abort)"/.exec(await login.response.text())![1]!;
    const back = await client.go(new URL(abort, login.url).href);
    expect([back.url.split('?')[0], back.response.status]).toEqual([sansBrowser.redirectUri, 400]);
    expect(await back.response.text()).toContain('<p id="error">access_denied</p>');
    expect(sansBrowser.lastCallbackError).toMatchObject({ error: 'access_denied' });
  });
});

describe('back-channel logout tokens', () => {
  const sign = (claims: Record<string, unknown>, key = signingKey) => new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: signingKid, typ: 'logout+jwt' })
    .setIssuedAt().setExpirationTime('2m').setJti(crypto.randomUUID())
    .sign(key);
  const valid = () => ({ iss: issuer, aud: 'fetch', sub: 'nobody', sid: 'no-such-session', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
  const post = (token: string | undefined) => fetch(sansBrowser.backchannelLogoutUri, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(token === undefined ? {} : { logout_token: token }),
  });

  it('answers 400 to a token that fails a check, and records none of them', async () => {
    const before = sansBrowser.logoutTokens().length;
    const { privateKey: strangerKey } = await generateKeyPair('RS256');
    const { events: _events, ...withoutEvents } = valid();
    const { sid: _sid, sub: _sub, ...withoutSubject } = valid();
    const refused = {
      'no token': undefined,
      'not a JWT': 'not-a-jwt',
      'another key': await sign(valid(), strangerKey),
      'another issuer': await sign({ ...valid(), iss: 'http://127.0.0.1:1' }),
      'another audience': await sign({ ...valid(), aud: 'ent' }),
      'no logout event': await sign(withoutEvents),
      'a nonce': await sign({ ...valid(), nonce: 'n' }),
      'neither sid nor sub': await sign(withoutSubject),
    };
    for (const [what, token] of Object.entries(refused)) expect((await post(token)).status, what).toBe(400);
    expect(sansBrowser.logoutTokens()).toHaveLength(before);
  });

  it('records a valid token once, and refuses its replay', async () => {
    const token = await sign(valid());
    expect((await post(token)).status).toBe(200);
    expect(sansBrowser.logoutTokens().at(-1)).toMatchObject({ sid: 'no-such-session', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
    expect((await post(token)).status).toBe(400);
  });
});

describe.skipIf(!hasChromium)(`a browser${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing)`}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'fr-FR' });
    // The development pages import a web font; nothing leaves loopback.
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  const consent = async () => {
    await page.waitForSelector('button:has-text("Continue")');
    await page.click('button:has-text("Continue")');
  };

  it('signs in at one party, then at a second one on the same provider session', async () => {
    await page.goto(school.loginUrl);
    await page.fill('input[name=login]', 'lea');
    await page.fill('input[name=password]', 'any');
    await page.click('button:has-text("Sign-in")');
    await consent();
    await page.waitForURL(`${school.url}/`);
    expect(await page.textContent('#status')).toBe('connecté');
    expect(JSON.parse((await page.textContent('#claims'))!)).toMatchObject({ iss: issuer, aud: 'ent', sub: 'lea' });

    await page.goto(canteen.loginUrl);
    await consent();
    await page.waitForURL(`${canteen.url}/`);
    expect(await page.textContent('#status')).toBe('connecté');
    expect(canteen.sessions().map((session) => session.sub)).toEqual(['lea']);
  });

  it('logs out of both through the end-session endpoint: the other party learns it by the back channel', async () => {
    const canteenSid = canteen.sessions()[0]!.sid;
    await page.goto(school.logoutUrl);
    await page.click('button[value=yes]');
    await page.waitForURL(`${school.postLogoutRedirectUri}**`);
    expect(await page.textContent('#status')).toBe('non connecté');
    expect(school.sessions()).toEqual([]);
    expect(canteen.logoutTokens()).toEqual([expect.objectContaining({ iss: issuer, aud: 'cantine', sub: 'lea', sid: canteenSid })]);
    expect(canteen.sessions()).toEqual([]);
    await page.goto(canteen.url);
    expect(await page.textContent('#status')).toBe('non connecté');
  });
});
