// The SSO federation end to end with a browser-less client: relying party → gateway → upstream stand-in (SAML
// or OIDC) and back, through the real login forms; then what the relying parties receive, and every refusal.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredClient } from '../../gateway/auth/clients.js';
import { HttpBrowser, type BrowserPage } from '../support/http-browser.js';
import type { RelyingParty } from '../support/relying-party.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';

let world: SsoWorld;
let ent: RelyingParty;
let entClient: RegisteredClient;
let entSecret: string;
let vieScolaire: RelyingParty;

beforeAll(async () => {
  world = await startSsoWorld('sso_http');
  ({ rp: ent, client: entClient, secret: entSecret } = await world.relyingParty({ name: 'ENT Lyon', scopes: ['openid', 'profile', 'school', 'classes', 'role', 'children'] }));
  vieScolaire = (await world.relyingParty({ name: 'Vie scolaire', scopes: ['openid', 'role', 'school'], perimeter: ['departement:069'] })).rp;
}, 60_000);

const db = () => world.gateway.gateway.store.db;

afterAll(async () => {
  await world?.close();
});

/** From the relying party's login link to the upstream provider's login form, by the provider's name. */
async function toUpstreamForm(browser: HttpBrowser, rp: RelyingParty, provider: string): Promise<BrowserPage> {
  const loginPage = await browser.open(rp.loginUrl);
  expect(loginPage.status).toBe(200);
  return browser.follow(loginPage, provider);
}

async function logIn(browser: HttpBrowser, rp: RelyingParty, provider: string, login: string): Promise<BrowserPage> {
  const form = await toUpstreamForm(browser, rp, provider);
  return browser.submit(form, { login, password: PASSWORD, username: login });
}

describe('a pupil logs in through ÉduConnect (SAML)', () => {
  it('reaches the relying party with its pairwise subject and the claims of its scopes', async () => {
    const browser = new HttpBrowser();
    const page = await logIn(browser, ent, 'ÉduConnect', 'lea');
    expect(page.url.origin, page.body.slice(0, 2000)).toBe(ent.url);
    expect(page.body).toContain('connecté');
    const session = ent.sessions().at(-1)!;
    expect(session.userinfo).toMatchObject({
      given_name: 'Léa', family_name: 'Martin', role: 'pupil', uai: world.roster.college, establishment_type: 'college',
    });
    expect(session.userinfo.classes).toEqual([{ kind: 'division', code: '6A', name: '6A' }, { kind: 'group', code: 'LATIN', name: 'LATIN' }]);
    expect(JSON.stringify(session.userinfo)).not.toMatch(/ine|AAF-LEA|701294/i);
  });
});

describe('single sign-on across relying parties', () => {
  it('reaches a second relying party without logging in again, under another subject', async () => {
    const browser = new HttpBrowser();
    await logIn(browser, ent, 'ÉduConnect', 'lea');
    const second = await browser.open(vieScolaire.loginUrl);
    expect(second.url.origin).toBe(vieScolaire.url);
    expect(second.chain.some((url) => url.includes('/idp/'))).toBe(false);
    const atEnt = ent.sessions().at(-1)!;
    const atVieScolaire = vieScolaire.sessions().at(-1)!;
    expect(atVieScolaire.userinfo).toMatchObject({ role: 'pupil', uai: world.roster.college });
    expect(atVieScolaire.userinfo.given_name).toBeUndefined();
    expect(atVieScolaire.sub).not.toBe(atEnt.sub);
    expect(atVieScolaire.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('who the upstream identity is', () => {
  it('shows the unknown-person page, and its way back tells the service access_denied', async () => {
    const browser = new HttpBrowser();
    const page = await logIn(browser, ent, 'ÉduConnect', 'inconnu');
    expect(page.status).toBe(403);
    expect(page.url.origin).toBe(world.baseUrl);
    expect(page.body).toMatch(/<h1>[^<]+<\/h1>/);
    const back = await browser.follow(page, 'Retour au service');
    expect(back.url.origin).toBe(ent.url);
    expect(ent.lastCallbackError?.error).toBe('access_denied');
  });

  it('shows the upstream-refused page when the identity provider says no', async () => {
    const page = await logIn(new HttpBrowser(), ent, 'ÉduConnect', 'refus');
    expect(page.status).toBe(403);
    expect(page.url.pathname).toBe('/sso/callback/educonnect');
  });

  it('finds a pupil by the FrEduVecteur of its school id and UAI', async () => {
    const page = await logIn(new HttpBrowser(), ent, 'ÉduConnect', 'tom-vector');
    expect(page.url.origin).toBe(ent.url);
    expect(ent.sessions().at(-1)!.userinfo).toMatchObject({ given_name: 'Tom', uai: world.roster.college });
  });

  it('gives a parent their children, each under the subject the child has at the same service, and no one else', async () => {
    await logIn(new HttpBrowser(), ent, 'ÉduConnect', 'claire');
    const parent = ent.sessions().at(-1)!.userinfo;
    expect(parent).toMatchObject({ role: 'parent', given_name: 'Claire' });
    const children = parent.children as { sub: string; uai: string; given_name: string; classes: { code: string }[] }[];
    expect(children.map((c) => [c.given_name, c.uai, c.classes.map((k) => k.code)]).sort()).toEqual([
      ['Hugo', world.roster.lycee, ['2NDE3']],
      ['Léa', world.roster.college, ['6A', 'LATIN']],
    ]);
    for (const [login, name] of [['lea', 'Léa'], ['hugo', 'Hugo']]) {
      await logIn(new HttpBrowser(), ent, 'ÉduConnect', login);
      expect(children.find((c) => c.given_name === name)!.sub).toBe(ent.sessions().at(-1)!.sub);
    }
  });

  it('lets a teacher who is also a parent choose, and gives the service the role chosen', async () => {
    const browser = new HttpBrowser();
    const choice = await logIn(browser, ent, 'Académie', 'paul');
    expect(choice.status).toBe(200);
    expect(choice.body).toContain('type="radio"');
    expect(choice.body).toContain('Parent');
    const refused = await browser.submit(choice, { choice: 'someone-else' });
    expect(refused.status).toBe(400);
    const teacher = choice.body.match(/value="([0-9a-f-]{36})"/)![1];
    const done = await browser.submit(refused, { choice: teacher });
    expect(done.url.origin).toBe(ent.url);
    expect(ent.sessions().at(-1)!.userinfo).toMatchObject({ role: 'teacher', uai: world.roster.college, classes: [{ kind: 'division', code: '6A', name: '6A' }] });
  });

  it('gives a relying party registered for every role each of them in one login', async () => {
    const { rp } = await world.relyingParty({ name: 'Portail', scopes: ['openid', 'role', 'school', 'children'], allRoles: true });
    const browser = new HttpBrowser();
    const choice = await logIn(browser, rp, 'Académie', 'paul');
    expect(choice.body).toContain('type="radio"');
    await browser.submit(choice, { choice: 'parent' });
    const roles = rp.sessions().at(-1)!.userinfo.roles as { role: string; uai?: string; children?: { uai: string }[] }[];
    expect(roles.map((r) => r.role).sort()).toEqual(['parent', 'teacher']);
    expect(roles.find((r) => r.role === 'parent')!.children!.map((c) => c.uai)).toEqual([world.roster.lycee]);
  });

  it('offers a pupil in two establishments only the one inside the service\'s perimeter', async () => {
    const page = await logIn(new HttpBrowser(), vieScolaire, 'Académie', 'ines');
    expect(page.url.origin).toBe(vieScolaire.url);
    expect(vieScolaire.sessions().at(-1)!.userinfo).toMatchObject({ role: 'pupil', uai: world.roster.college });
    const both = await logIn(new HttpBrowser(), ent, 'Académie', 'ines');
    expect(both.body).toContain(world.roster.paris);
    expect(both.body).toContain(world.roster.college);
  });

  it('links the same identity logging in twice at once to one account, once per person', async () => {
    await Promise.all([logIn(new HttpBrowser(), ent, 'ÉduConnect', 'ines'), logIn(new HttpBrowser(), ent, 'ÉduConnect', 'ines')]);
    const { rows } = await sql<{ accounts: string; links: string }>`
      select count(distinct a.id) as accounts, count(*) as links from sso_account a join sso_link l on l.account_id = a.id
      where a.provider = 'educonnect' and a.subject = 'fredu-ines'`.execute(db());
    expect(rows[0]).toEqual({ accounts: '1', links: '2' });
  });
});

describe('refusals', () => {
  /** An authorization request of our own at the gateway, with our own PKCE verifier. */
  async function authorize(browser: HttpBrowser, params: Record<string, string>) {
    return browser.open(`${world.baseUrl}/oauth/authorize?${new URLSearchParams({
      client_id: entClient.clientId, response_type: 'code', scope: 'openid', redirect_uri: ent.redirectUri, state: 's'.repeat(32), nonce: 'n'.repeat(32), ...params,
    })}`);
  }
  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };
  async function codeFor(login: string, challenge: string): Promise<string> {
    const browser = new HttpBrowser({ stopAt: (url) => url.origin === ent.url });
    const form = await authorize(browser, { code_challenge: challenge, code_challenge_method: 'S256' }).then((page) => browser.follow(page, 'ÉduConnect'));
    const back = await browser.submit(form, { login, password: PASSWORD });
    const code = back.stoppedAt?.url.searchParams.get('code');
    if (!code) throw new Error(`no code: ${back.url.href} ${back.status}`);
    return code;
  }
  const exchange = (code: string, verifier: string | undefined, secret = entSecret) => fetch(`${world.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${entClient.clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: ent.redirectUri, ...(verifier ? { code_verifier: verifier } : {}) }),
  });

  it('refuses a redirect URI that is not registered exactly, without redirecting there', async () => {
    const page = await authorize(new HttpBrowser(), { redirect_uri: `${ent.redirectUri}/../evil`, code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    expect(page.status).toBe(400);
    expect(page.url.origin).toBe(world.baseUrl);
    expect(page.body).toContain('redirect_uri');
  });

  it('refuses an authorization request without PKCE', async () => {
    const browser = new HttpBrowser({ stopAt: (url) => url.origin === ent.url });
    const page = await authorize(browser, {});
    expect(page.stoppedAt?.url.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a code exchanged without its verifier, and a code replayed', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('lea', challenge);
    const missing = await exchange(code, undefined);
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toBe('invalid_grant');
    const second = await codeFor('lea', challenge);
    const first = await exchange(second, verifier);
    expect(first.status).toBe(200);
    const replayed = await exchange(second, verifier);
    expect(replayed.status).toBe(400);
    expect((await replayed.json()).error).toBe('invalid_grant');
  });

  it('refuses an upstream callback whose state was tampered with, and takes each state once', async () => {
    let stop = true;
    const browser = new HttpBrowser({ stopAt: (url) => stop && url.pathname.startsWith('/sso/callback/') });
    const form = await toUpstreamForm(browser, vieScolaire, 'Académie');
    const stopped = await browser.submit(form, { login: 'ines', password: PASSWORD });
    const genuine = new URL(stopped.stoppedAt!.url);
    const tampered = new URL(genuine);
    tampered.searchParams.set('state', `${genuine.searchParams.get('state')}x`);
    stop = false;
    const sessions = vieScolaire.sessions().length;
    expect((await browser.open(tampered)).status).toBe(400);
    expect(vieScolaire.sessions().length).toBe(sessions);
    expect((await browser.open(genuine)).url.origin).toBe(vieScolaire.url);
    expect((await browser.open(genuine)).status).toBe(400);
  });

  it('refuses an upstream ID token signed with a key the provider does not publish', async () => {
    world.oidc.signIdTokensWithRogueKey(true);
    try {
      const page = await logIn(new HttpBrowser(), ent, 'Académie', 'paul');
      expect(page.status).toBe(502);
      expect(page.url.pathname).toBe('/sso/callback/academie');
    } finally {
      world.oidc.signIdTokensWithRogueKey(false);
    }
  });

  it('refuses a SAML response signed with a key the identity provider does not publish', async () => {
    world.saml.behave({ signWith: 'rogue' });
    try {
      const page = await logIn(new HttpBrowser(), ent, 'ÉduConnect', 'lea');
      expect(page.status).toBe(502);
    } finally {
      world.saml.behave({ signWith: 'own' });
    }
  });

  it('answers a callback of no provider, or of no login started, with the expired page, naming nothing', async () => {
    for (const url of [`${world.baseUrl}/sso/callback/nope?state=x&code=y`, `${world.baseUrl}/sso/callback/academie?state=unknown&code=y`]) {
      const page = await new HttpBrowser().open(url);
      expect(page.status).toBe(400);
      expect(page.body).not.toMatch(/nope|unknown|academie/);
    }
  });

  it('refuses a SAML callback body over its limit with a 413 problem, before reading it', async () => {
    const response = await fetch(`${world.baseUrl}/sso/callback/educonnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `RelayState=x&SAMLResponse=${'A'.repeat(1_100_000)}`,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('shows the expired page for an interaction that is not this browser\'s', async () => {
    const page = await new HttpBrowser().open(`${world.baseUrl}/sso/interaction/nonexistent-interaction-id`);
    expect(page.status).toBe(400);
  });
});

describe('what is kept', () => {
  it('audits logins, links and claims released, and counts logins per day, establishment and role', async () => {
    await logIn(new HttpBrowser(), ent, 'ÉduConnect', 'lea');
    const actions = await db().selectFrom('audit_log').select(['action', 'client_id', 'uai', 'detail']).where('action', 'like', 'sso.%').execute();
    const of = (action: string) => actions.filter((a) => a.action === action);
    expect(of('sso.login').some((a) => a.client_id === entClient.clientId && a.uai === world.roster.college)).toBe(true);
    expect(of('sso.link').length).toBeGreaterThan(0);
    expect(of('sso.claims').some((a) => (a.detail as unknown as { claims: string[] }).claims.includes('classes'))).toBe(true);
    expect(JSON.stringify(actions)).not.toMatch(/Léa|Martin/);
    const days = await db().selectFrom('sso_login_day').selectAll().where('uai', '=', world.roster.college).where('role', '=', 'pupil').execute();
    expect(days.reduce((n, d) => n + d.logins, 0)).toBeGreaterThan(1);
    const metrics = await (await fetch(`${world.baseUrl}/metrics`)).text();
    expect(Number(/passerelle_sso_logins_total\{provider="educonnect",role="pupil"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(1);
  });
});

describe('service-provider metadata', () => {
  it('publishes the gateway\'s SAML metadata for ÉduConnect\'s operators, and nothing for an OIDC provider', async () => {
    const response = await fetch(`${world.baseUrl}/sso/metadata/educonnect`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await response.text();
    expect(xml).toContain(`entityID="${world.baseUrl}/sso/metadata/educonnect"`);
    expect(xml).toContain(`Location="${world.baseUrl}/sso/callback/educonnect"`);
    expect(xml).toContain('AuthnRequestsSigned="true"');
    expect((await fetch(`${world.baseUrl}/sso/metadata/academie`)).status).toBe(404);
  });
});
