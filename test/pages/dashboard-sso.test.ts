// The dashboard signed in through the gateway's own SSO, in a real browser (Debian's Chromium, driven by
// playwright-core) on a real gateway federating the SSO world's stand-ins: two dashboard parties registered as
// `passerelle clients create --dashboard` registers them (an académie's and the ministry's), a teacher signing
// in with the académie's OpenID Provider and reading the figures of the party's perimeter, his token opening the
// aggregates only, signing out of the gateway too, and pupils refused with the SSO's French page, whether they
// log in there or come with a session opened at another service.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient } from '../../gateway/auth/clients.js';
import { createClientWithToken } from '../support/clients.js';
import { contrastRatios } from '../support/contrast.js';
import { seedAggregatesWorld } from '../support/aggregates-world.js';
import type { RelyingParty } from '../support/relying-party.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';
import { figuresOf, showTerritory, textOf } from '../support/dashboard-reading.js';

const ACADEMIE = 'Académie de Lyon — personnels';
const LYON_DASHBOARD = 'Tableau de bord de l’académie de Lyon';

let world: SsoWorld;
let lyonParty: string;
let figuresApi: { clientId: string; clientSecret: string; token: string };

async function dashboardParty(name: string, perimeter: string[]): Promise<string> {
  const { client } = await createClient(world.gateway.gateway.store.db, {
    name, scopes: ['openid', 'profile', 'aggregates.read'], perimeter,
    relyingParty: { redirectUris: [`${world.baseUrl}/dashboard`], postLogoutRedirectUris: [`${world.baseUrl}/dashboard`], dashboard: true },
  });
  return client.clientId;
}

beforeAll(async () => {
  world = await startSsoWorld('dashboard_sso');
  const db = world.gateway.gateway.store.db;
  // The SSO world's collège and lycée in Lyon (académie 10) and collège in Paris, and the aggregates' world.
  await seedAggregatesWorld(db);
  lyonParty = await dashboardParty(LYON_DASHBOARD, ['academie:10']);
  await dashboardParty('Tableau de bord du ministère', ['national']);
  figuresApi = await createClientWithToken(db, world.baseUrl, { scopes: ['aggregates.read'], perimeter: ['academie:10'], name: 'Rectorat' });
}, 90_000);
afterAll(async () => world?.close());

const api = (token: string, path: string) => fetch(`${world.baseUrl}/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });

describe('dashboard parties over HTTP', () => {
  it('are offered by the page, each by its name, and only those coming back to it', async () => {
    await createClient(world.gateway.gateway.store.db, {
      name: 'Autre tableau', scopes: ['openid', 'aggregates.read'], perimeter: ['national'],
      relyingParty: { redirectUris: ['https://ailleurs.example.fr/dashboard'], dashboard: true },
    });
    const answer = await (await fetch(`${world.baseUrl}/dashboard/sso.json`)).json();
    expect(answer.parties.map((p: { name: string }) => p.name)).toEqual([LYON_DASHBOARD, 'Tableau de bord du ministère']);
    expect(answer.parties[0].clientId).toBe(lyonParty);
  });

  it('get no token but by a person\'s login: no client credentials without a secret', async () => {
    const answer = await fetch(`${world.baseUrl}/oauth/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: lyonParty, scope: 'aggregates.read' }),
    });
    const body = await answer.json();
    expect([answer.status, body.access_token, body.error_description]).toEqual([400, undefined, 'requested grant type is not allowed for this client']);
  });

  it('refuse the API to any other relying party: it logs people in, its login asks for no API token', async () => {
    const { client } = await world.relyingParty({ name: 'ENT', scopes: ['openid', 'profile'] });
    const url = new URL(`${world.baseUrl}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: client.clientId, response_type: 'code', redirect_uri: client.relyingParty!.redirectUris[0], scope: 'openid',
      resource: `${world.baseUrl}/v1`, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's',
    }).toString();
    const answer = await fetch(url, { redirect: 'manual' });
    const location = new URL(answer.headers.get('location')!);
    expect([location.origin + location.pathname, location.searchParams.get('error')]).toEqual([client.relyingParty!.redirectUris[0], 'invalid_target']);
  });
});

describe.skipIf(!hasChromium)(`the dashboard signed in through the SSO${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let screenshots: string;
  let ent: RelyingParty;
  const pageErrors: string[] = [];
  const requested: string[] = [];

  const text = (selector: string) => textOf(page, selector);
  const figures = () => figuresOf(page);

  async function newPage() {
    context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }

  async function openDashboard() {
    await page.goto(`${world.baseUrl}/dashboard`);
    await page.waitForSelector('html[data-ready="true"]');
  }

  /** From the dashboard's SSO button, through the gateway's login page, to the académie's login form, sent. */
  async function signInThroughSso(login: string) {
    await page.selectOption('#sso-tableau', { label: LYON_DASHBOARD });
    await page.getByRole('button', { name: 'Se connecter avec le compte académique' }).click();
    await page.waitForURL(`${world.baseUrl}/sso/interaction/**`);
    await page.getByRole('link', { name: ACADEMIE }).click();
    await page.getByLabel('Identifiant').fill(login);
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
  }

  const show = (level: string, code = '') => showTerritory(page, level, code);

  beforeAll(async () => {
    screenshots = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-page-'));
    browser = await launchChromium();
    ent = (await world.relyingParty({ name: 'ENT Lyon', scopes: ['openid', 'role'] })).rp;
  });

  afterEach(async () => {
    await context?.close();
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    expect(requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
  });

  it('signs a teacher in with the académie\'s account, greets him by name and shows the figures of the party\'s perimeter', async () => {
    await newPage();
    await openDashboard();
    expect(await page.isVisible('#form-connexion')).toBe(true);
    expect(await page.$$eval('#sso-tableau option', (options) => options.map((o) => o.textContent))).toEqual([LYON_DASHBOARD, 'Tableau de bord du ministère']);
    const tokenAnswer = page.waitForResponse((response) => response.url() === `${world.baseUrl}/oauth/token`);
    await signInThroughSso('paul');
    await page.waitForSelector('#choix:not([hidden])');
    expect(page.url()).toBe(`${world.baseUrl}/dashboard`);
    expect(await text('#choix > p')).toBe(`Connecté : Paul Bernard (${LYON_DASHBOARD}). Se déconnecter`);
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

    const token = (await (await tokenAnswer).json()).access_token as string;
    expect(decodeJwt(token)).toMatchObject({ aud: `${world.baseUrl}/v1`, client_id: lyonParty, scope: 'aggregates.read' });

    await show('academie', '10');
    await page.waitForSelector('#resultats:not([hidden])');
    // The collège and lycée of the SSO world and the aggregates world's three establishments of académie 10.
    const expected = await Promise.all(['establishments', 'pupils', 'teachers', 'classes'].map(async (measure) =>
      (await (await api(figuresApi.token, `/aggregates/${measure}?territory=academie:10`)).json()).cells[0].value));
    expect(expected).toEqual([5, 52, 20, 7]);
    expect((await figures()).slice(0, 4)).toEqual([['establishments', '5'], ['pupils', '52'], ['teachers', '20'], ['classes', '7']]);

    await show('national');
    await expect.poll(() => text('#erreur')).toMatch(/^Territoire hors de votre périmètre ou inconnu\./);

    const ratios = await contrastRatios(page, '.figure dd, #departements td, button, label, #choix > p');
    expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
    await show('academie', '10');
    await page.waitForSelector('#resultats:not([hidden])');
    const screenshot = path.join(screenshots, 'dashboard-sso.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);

    // The person's token reads the aggregates of the perimeter, and nothing else of the API.
    expect((await api(token, '/aggregates/pupils?territory=academie:10')).status).toBe(200);
    expect((await api(token, '/aggregates/pupils?territory=national')).status).toBe(404);
    for (const other of ['/establishments', `/establishments/${world.roster.college}`, `/establishments/${world.roster.college}/people`, '/changes', '/admin/clients']) {
      const refused = await api(token, other);
      expect([other, refused.status]).toEqual([other, 403]);
      expect((await refused.json()).detail).toMatch(/reads \/v1\/aggregates only/);
    }
    expect((await fetch(`${world.baseUrl}/oauth/userinfo`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);

    // Signing out ends the gateway's session too: the next sign-in asks for the password again.
    await page.click('#deconnexion');
    await page.waitForURL(`${world.baseUrl}/oauth/logout**`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${world.baseUrl}/dashboard`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.isVisible('#choix')).toBe(false);
    await page.selectOption('#sso-tableau', { label: LYON_DASHBOARD });
    await page.getByRole('button', { name: 'Se connecter avec le compte académique' }).click();
    await page.waitForURL(`${world.baseUrl}/sso/interaction/**`);
  }, 90_000);

  it('reaches the SSO button with the keyboard', async () => {
    await newPage();
    await openDashboard();
    await page.focus('#sso-tableau');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Se connecter avec le compte académique');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${world.baseUrl}/sso/interaction/**`);
  });

  it('refuses a pupil with the SSO\'s French page, and tells the dashboard the login did not happen', async () => {
    await newPage();
    await openDashboard();
    await signInThroughSso('ines');
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).toBe('Ce service est réservé aux personnels');
    expect(await page.textContent('main')).toContain(`Service demandé : ${LYON_DASHBOARD}.`);
    await page.getByRole('link', { name: 'Retour au service' }).click();
    await page.waitForURL(`${world.baseUrl}/dashboard`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await text('#erreur')).toMatch(/^La connexion n’a pas abouti\./);
    expect(await page.isVisible('#choix')).toBe(false);
  });

  it('refuses a pupil whose gateway session another service opened', async () => {
    await newPage();
    await page.goto(ent.loginUrl);
    await page.getByRole('link', { name: 'ÉduConnect' }).click();
    await page.getByLabel('Identifiant').fill('lea');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${ent.url}/`);
    await openDashboard();
    await page.selectOption('#sso-tableau', { label: LYON_DASHBOARD });
    await page.getByRole('button', { name: 'Se connecter avec le compte académique' }).click();
    await page.waitForURL(`${world.baseUrl}/sso/interaction/**`);
    expect(await page.textContent('h1')).toBe('Ce service est réservé aux personnels');
  });
});
