// The SSO federation accepted in a real browser (Debian's Chromium, driven by playwright-core): relying party →
// gateway → upstream stand-in (ÉduConnect over SAML, the académie over OIDC) and back, through each login form
// as a person fills it; single sign-on across two parties under different subjects, a parent's children,
// logout with its back-channel, the French error pages, the choice of role with the keyboard, and no request
// leaving loopback. One SSO world for the file; each scenario in a fresh browser context.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import type { RelyingParty } from '../support/relying-party.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';

const EDUCONNECT = 'ÉduConnect';
const ACADEMIE = 'Académie de Lyon — personnels';

/** A browser context (its own cookies) with its one page, every request it made in order, and what its pages' policy refused. */
interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly requests: string[];
  readonly refusals: string[];
}

let world: SsoWorld;
let browser: Browser;
let ent: RelyingParty;
let vieScolaire: RelyingParty;
let espaceParents: RelyingParty;
let annuaire: RelyingParty;
let screenshots: string;
const openTabs: Tab[] = [];

async function newTab(): Promise<Tab> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const tab: Tab = { context, page, requests: [], refusals: [] };
  context.on('request', (request) => tab.requests.push(request.url()));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused/i.test(message.text())) tab.refusals.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => tab.refusals.push(`${page.url()}: ${error.message}`));
  openTabs.push(tab);
  return tab;
}

const origin = (url: string) => new URL(url).origin;

/** The gateway's login page for `rp`, reached from the relying party's login link. */
async function toGatewayLogin(page: Page, rp: RelyingParty): Promise<void> {
  await page.goto(rp.loginUrl);
  await page.waitForURL(`${world.baseUrl}/sso/interaction/**`);
  await expect.poll(() => page.locator('h1').textContent()).toMatch(/^Se connecter à /);
}

/** On the gateway's login page: the provider's link, then its login form filled as a person does and sent. */
async function signInUpstream(page: Page, provider: string, login: string): Promise<void> {
  await page.getByRole('link', { name: provider }).click();
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/** From the relying party's login link to its home page, logged in; the session it opened. */
async function logIn(page: Page, rp: RelyingParty, provider: string, login: string) {
  await toGatewayLogin(page, rp);
  await signInUpstream(page, provider, login);
  await page.waitForURL(`${rp.url}/`);
  expect(await page.textContent('#status')).toBe('connecté');
  return rp.sessions().at(-1)!;
}

/** The gateway's answer to the upstream callback (the SAML form the IdP's page posts, or the OIDC redirect). */
const callbackResponse = (page: Page, provider: string): Promise<Response> =>
  page.waitForResponse((response) => response.url().startsWith(`${world.baseUrl}/sso/callback/${provider}`));

const focused = (page: Page) => page.evaluate(() => {
  const element = document.activeElement as HTMLElement | null;
  return { tag: element?.tagName.toLowerCase(), text: element?.textContent?.trim(), id: element?.id, href: element?.getAttribute('href') };
});

const userinfoOf = async (page: Page) => JSON.parse((await page.textContent('#userinfo'))!) as Record<string, unknown>;

describe.skipIf(!hasChromium)(`the SSO federation in a browser${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  beforeAll(async () => {
    world = await startSsoWorld('sso_browser');
    ent = (await world.relyingParty({ name: 'ENT Lyon', scopes: ['openid', 'profile', 'school', 'classes', 'role'] })).rp;
    vieScolaire = (await world.relyingParty({ name: 'Vie scolaire', scopes: ['openid', 'role', 'school'] })).rp;
    espaceParents = (await world.relyingParty({ name: 'Espace parents', scopes: ['openid', 'profile', 'children', 'classes', 'role'] })).rp;
    annuaire = (await world.relyingParty({ name: 'Annuaire', scopes: ['openid', 'role'], allRoles: true })).rp;
    browser = await launchChromium();
    screenshots = fs.mkdtempSync(path.join(os.tmpdir(), 'sso-federation-browser-'));
  }, 60_000);

  // Every scenario: nothing asked of a site off loopback, nothing a page's policy refused (a refused form post
  // would also stop the login, but this names it).
  afterEach(async () => {
    const tabs = openTabs.splice(0);
    await Promise.all(tabs.map((tab) => tab.context.close()));
    const requests = tabs.flatMap((tab) => tab.requests);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(tabs.flatMap((tab) => tab.refusals)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('logs a pupil in through ÉduConnect, then into a second service without a password, under another subject', async () => {
    const { page, requests } = await newTab();
    const atEnt = await logIn(page, ent, EDUCONNECT, 'lea');
    expect(await page.textContent('h1')).toBe('ENT Lyon');
    expect(JSON.parse((await page.textContent('#claims'))!)).toMatchObject({ sub: atEnt.sub, iss: world.baseUrl });
    expect(await userinfoOf(page)).toMatchObject({
      sub: atEnt.sub, given_name: 'Léa', family_name: 'Martin', role: 'pupil', uai: world.roster.college, establishment_type: 'college',
    });
    expect(requests.some((url) => origin(url) === origin(world.saml.ssoUrl))).toBe(true);

    const beforeSecond = requests.length;
    await page.goto(vieScolaire.loginUrl);
    await page.waitForURL(`${vieScolaire.url}/`);
    expect(await page.textContent('#status')).toBe('connecté');
    expect(requests.slice(beforeSecond).filter((url) => origin(url) === origin(world.saml.ssoUrl))).toEqual([]);
    const atVieScolaire = vieScolaire.sessions().at(-1)!;
    expect(atVieScolaire.userinfo).toMatchObject({ role: 'pupil', uai: world.roster.college });
    expect(atVieScolaire.sub).not.toBe(atEnt.sub);
  });

  it('gives a parent the claims of exactly her two children, each under the subject the child has at that service', async () => {
    const parent = await newTab();
    const claire = await logIn(parent.page, espaceParents, EDUCONNECT, 'claire');
    expect(claire.userinfo.role).toBe('parent');
    const children = claire.userinfo.children as { sub: string; uai: string; given_name?: string; family_name?: string; classes?: { code: string }[] }[];
    expect(children.map((c) => ({ uai: c.uai, name: `${c.given_name} ${c.family_name}`, classes: c.classes?.map((k) => k.code) }))
      .sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { uai: world.roster.lycee, name: 'Hugo Martin', classes: ['2NDE3'] },
      { uai: world.roster.college, name: 'Léa Martin', classes: ['6A', 'LATIN'] },
    ]);
    // Exactly these two (not Tom, Léa's classmate, nor Max, Hugo's), and nothing else about them.
    for (const child of children) expect(Object.keys(child).sort()).toEqual(['classes', 'family_name', 'given_name', 'sub', 'uai']);

    const child = await newTab();
    const lea = await logIn(child.page, espaceParents, EDUCONNECT, 'lea');
    expect(lea.sub).not.toBe(claire.sub);
    expect(children.find((c) => c.given_name === 'Léa')!.sub).toBe(lea.sub);
  });

  it('logs out of every service after the gateway\'s confirmation, the other service told by back-channel', async () => {
    const { page } = await newTab();
    await logIn(page, ent, EDUCONNECT, 'lea');
    await page.goto(vieScolaire.loginUrl);
    await page.waitForURL(`${vieScolaire.url}/`);
    const atVieScolaire = vieScolaire.sessions().at(-1)!;
    expect(atVieScolaire.sid).toEqual(expect.any(String));
    const tokensBefore = vieScolaire.logoutTokens().length;

    await page.goto(ent.logoutUrl);
    await page.waitForURL(`${world.baseUrl}/**`);
    expect(await page.textContent('h1')).toBe('Se déconnecter');
    expect(await page.textContent('main p')).toMatch(/^Vous quittez «\s?ENT Lyon\s?»/);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${ent.postLogoutRedirectUri}**`);
    expect(await page.textContent('#status')).toBe('non connecté');

    const received = vieScolaire.logoutTokens().slice(tokensBefore);
    expect(received.map((token) => token.sid)).toEqual([atVieScolaire.sid]);
    expect(vieScolaire.sessions().map((session) => session.id)).not.toContain(atVieScolaire.id);

    await toGatewayLogin(page, vieScolaire);
    expect(await page.getByRole('link', { name: EDUCONNECT }).count()).toBe(1);
  });

  it('tells an identity no roster record matches to see the secretariat, and takes it back to the service refused', async () => {
    const { page } = await newTab();
    await toGatewayLogin(page, ent);
    const answer = callbackResponse(page, 'educonnect');
    await signInUpstream(page, EDUCONNECT, 'inconnu');
    expect((await answer).status()).toBe(403);
    await page.waitForURL(`${world.baseUrl}/sso/callback/educonnect**`);
    expect(await page.locator('h1').textContent()).toBe('Votre compte n’est relié à aucune fiche de l’établissement');
    expect(await page.locator('main').textContent()).toContain('Contactez le secrétariat de votre établissement');

    await page.getByRole('link', { name: 'Retour au service' }).click();
    await page.waitForURL(`${ent.redirectUri}**`);
    expect(await page.textContent('#status')).toBe('non connecté');
    expect(ent.lastCallbackError?.error).toBe('access_denied');
  });

  it('says the login was cancelled when ÉduConnect answers AuthnFailed', async () => {
    const { page } = await newTab();
    await toGatewayLogin(page, ent);
    const answer = callbackResponse(page, 'educonnect');
    await signInUpstream(page, EDUCONNECT, 'refus');
    expect((await answer).status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('La connexion a été annulée');
    expect(await page.locator('main').textContent()).toContain('Vous pouvez recommencer.');
    expect(await page.getByRole('link', { name: 'Recommencer' }).count()).toBe(1);
  });

  it('lets a teacher who is a parent choose the teacher role with the keyboard; a service of every role gets both', async () => {
    const { page } = await newTab();
    await toGatewayLogin(page, ent);
    await signInUpstream(page, ACADEMIE, 'paul');
    await page.waitForURL(`${world.baseUrl}/sso/interaction/*/choose`);
    expect(await page.locator('h1').textContent()).toBe('Choisir votre profil');
    expect(await page.locator('fieldset legend').textContent()).toBe('Votre profil');
    const teacher = page.getByLabel(`Enseignant ou enseignante — Collège Jean Moulin (${world.roster.college})`);
    const parent = page.getByLabel('Parent', { exact: true });
    expect(await teacher.getAttribute('type')).toBe('radio');
    expect(await parent.getAttribute('type')).toBe('radio');

    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: await teacher.getAttribute('id') });
    await page.keyboard.press('Space');
    expect(await teacher.isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Continuer' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${ent.url}/`);
    expect(await userinfoOf(page)).toMatchObject({ role: 'teacher', uai: world.roster.college, given_name: 'Paul' });

    const fresh = await newTab();
    await toGatewayLogin(fresh.page, annuaire);
    await signInUpstream(fresh.page, ACADEMIE, 'paul');
    // Every role goes to such a service whichever profile is chosen; the gateway still asks for one (the name given
    // and the perimeter check follow it): choosing the parent shows the teacher role comes too.
    await fresh.page.waitForURL(`${world.baseUrl}/sso/interaction/*/choose`);
    await fresh.page.getByLabel('Parent', { exact: true }).check();
    await fresh.page.getByRole('button', { name: 'Continuer' }).click();
    await fresh.page.waitForURL(`${annuaire.url}/`);
    const roles = (await userinfoOf(fresh.page)).roles as { role: string }[];
    expect(roles.map((r) => r.role).sort()).toEqual(['parent', 'teacher']);
  });

  it('keeps the login and choice pages in French, with one heading, every link reachable with Tab', async () => {
    const { page } = await newTab();
    await toGatewayLogin(page, ent);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('h1').count()).toBe(1);
    const links = await page.locator('a[href]').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
    expect(links.length).toBeGreaterThanOrEqual(2);
    const reached: (string | null | undefined)[] = [];
    for (let i = 0; i < links.length + 2; i++) {
      await page.keyboard.press('Tab');
      reached.push((await focused(page)).href);
    }
    for (const link of links) expect(reached).toContain(link);
    await page.screenshot({ path: path.join(screenshots, 'login-page.png'), fullPage: true });

    await signInUpstream(page, ACADEMIE, 'paul');
    await page.waitForURL(`${world.baseUrl}/sso/interaction/*/choose`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('h1').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'choice-page.png'), fullPage: true });
    for (const shot of ['login-page.png', 'choice-page.png']) expect(fs.statSync(path.join(screenshots, shot)).size).toBeGreaterThan(0);
  });

});
