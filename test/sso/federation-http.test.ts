// The SSO federation end to end with a browser-less client: relying party → gateway → upstream stand-in (SAML
// or OIDC) and back, through the real login forms; then what the relying parties receive, and every refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser, type BrowserPage } from '../support/http-browser.js';
import type { RelyingParty } from '../support/relying-party.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';

let world: SsoWorld;
let ent: RelyingParty;
let vieScolaire: RelyingParty;

beforeAll(async () => {
  world = await startSsoWorld('sso_http');
  ent = (await world.relyingParty({ name: 'ENT Lyon', scopes: ['openid', 'profile', 'school', 'classes', 'role', 'children'] })).rp;
  vieScolaire = (await world.relyingParty({ name: 'Vie scolaire', scopes: ['openid', 'role', 'school'], perimeter: ['departement:069'] })).rp;
}, 60_000);

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
