// The ministry's shared dashboard in a real browser (Debian's Chromium, driven by playwright-core) on a real
// gateway: signing in with an API client holding aggregates.read, choosing a territory, reading the key
// figures, the uPlot chart of SSO logins, the table and tile map by département with statistical secrecy,
// downloading CSV, the perimeter enforced, and nothing fetched from anywhere but the gateway.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { countLogins } from '../../gateway/store/sso/accounts.js';
import { createClientWithToken } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { contrastRatios } from '../support/contrast.js';
import { seedAggregatesWorld } from '../support/aggregates-world.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';
import { figuresOf, showTerritory, textOf } from '../support/dashboard-reading.js';


/** The browser's calendar is the machine's: days counted back from today as the page counts them. */
const daysAgo = (days: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate() - days)).toISOString().slice(0, 10);
};

let t: TestGateway;
let lyon: string;
let villeurbanne: string;
let bourg: string;
let national: { clientId: string; clientSecret: string };
let academie: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestGateway('dashboard_page', { AGGREGATES_REFRESH_SECONDS: '0' });
  const db = t.gateway.store.db;
  // 72 pupils in 5 classes (a mean of 14.4), 21 teachers; Bourg's 5 pupils are a small group.
  ({ lyon, villeurbanne, bourg } = await seedAggregatesWorld(db));
  const login = (uai: string, day: string) => ({ day, uai, role: 'pupil', provider: 'educonnect', clientId: 'pas_aaaaaaaaaaaaaaaa' });
  await countLogins(db, [
    ...Array.from({ length: 30 }, () => login(lyon, daysAgo(1))),
    ...Array.from({ length: 20 }, () => login(villeurbanne, daysAgo(3))),
    ...Array.from({ length: 3 }, () => login(bourg, daysAgo(5))),
  ]);
  national = await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['national'], name: 'Ministère' });
  academie = await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['academie:10'], name: 'Rectorat de Lyon' });
}, 60_000);
afterAll(async () => t?.close());

describe('the page over HTTP', () => {
  it('is served at /dashboard under the gateway\'s CSP, uPlot from node_modules beside it', async () => {
    const html = await fetch(`${t.baseUrl}/dashboard`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).not.toMatch(/<script>|<style|style="|https?:\/\//);
    const script = await fetch(`${t.baseUrl}/dashboard/vendor/uPlot.iife.min.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
    expect((await fetch(`${t.baseUrl}/dashboard/vendor/uPlot.min.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${t.baseUrl}/dashboard/vendor/uPlot.cjs.js`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/dashboard/vendor/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/dashboard/dashboard.js`)).headers.get('content-type')).toMatch(/javascript/);
    const redirected = await fetch(`${t.baseUrl}/dashboard/`, { redirect: 'manual' });
    expect([redirected.status, redirected.headers.get('location')]).toEqual([301, '../dashboard']);
  });
});

describe.skipIf(!hasChromium)(`the dashboard in a browser${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let screenshots: string;
  const pageErrors: string[] = [];
  const requested: string[] = [];

  const text = (selector: string) => textOf(page, selector);
  const figures = () => figuresOf(page);
  const tableRows = () => page.$$eval('#departements tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));

  async function openAs(client: { clientId: string; clientSecret: string }) {
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${t.baseUrl}/dashboard`);
    await page.waitForSelector('html[data-ready="true"]');
    await page.fill('#client-id', client.clientId);
    await page.fill('#client-secret', client.clientSecret);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#choix:not([hidden])');
  }

  const show = (level: string, code = '') => showTerritory(page, level, code);

  beforeAll(async () => {
    screenshots = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-page-'));
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    context.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('signs in and shows the national key figures as seeded, and when the data were brought up to date', async () => {
    await openAs(national);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    await show('national');
    await page.waitForSelector('#resultats:not([hidden])');
    expect(await text('#resultats-titre')).toBe('Tableau de bord : National');
    expect(await figures()).toEqual([
      ['establishments', '4'], ['pupils', '72'], ['teachers', '21'], ['classes', '5'], ['class-size', '14,4'],
    ]);
    expect(await text('#fraicheur')).toMatch(/^Données à jour du \S+ \d{1,2} \S+ \d{4} à \d{2} h \d{2}\.$/);
  });

  it('draws the daily SSO logins of the last 14 days with uPlot from one request, a small day left blank', async () => {
    const painted = await page.$eval('#graphique canvas', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let opaque = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque += 1;
      return { width: c.width, opaque };
    });
    expect(painted.width).toBeGreaterThan(300);
    expect(painted.opaque).toBeGreaterThan(1000);
    const rows = await page.$$eval('#connexions tbody tr', (trs) => trs.map((tr) => tr.lastElementChild!.textContent));  // in a closed <details>: no innerText
    expect(rows).toHaveLength(14);
    expect(rows[12]).toBe('30'); // yesterday
    expect(rows[10]).toBe('20');
    expect(rows[8]).toBe('secret statistique');
    expect(await text('#graphique-resume')).toContain('50 connexions');
    // The 14 days in one request, split by day (a request each would spend a user's allowance 14 times faster).
    const logins = requested.filter((url) => url.includes('/v1/aggregates/sso-logins'));
    expect(logins).toHaveLength(1);
    expect(new URL(logins[0]).searchParams.get('period')).toBe('day');
  });

  it('lists the départements, a small cell and the one that would give it away shown as statistical secrets', async () => {
    expect(await page.$$eval('#departements thead th', (ths) => ths.map((th) => th.textContent))).toEqual([
      'Département', 'Élèves', 'Enseignants', 'Classes', 'Élèves par classe', 'Cours annulés ou remplacés, 30 derniers jours',
    ]);
    const rows = await tableRows();
    expect(rows.map((row) => row[0])).toEqual(['001', '069', '075', 'Ensemble du territoire']);
    // 069's teachers would give away 075's 2 (21 − 12 − 2 − 7): suppressed too.
    expect(rows[1].slice(1, 5)).toEqual(['42', 'secret statistique', '3', '14']);
    expect(rows[0][1]).toBe('secret statistique');
    expect(rows[3].slice(1, 5)).toEqual(['72', '21', '5', '14,4']);
    const secret = page.locator('#departements tbody tr:first-child td:nth-child(2) .secret');
    expect(await secret.getAttribute('title')).toBe('Valeur masquée : elle porte sur trop peu de personnes.');
    expect(await secret.getAttribute('aria-label')).toBe('secret statistique. Valeur masquée : elle porte sur trop peu de personnes.');
    expect(await page.getAttribute('#departements tbody tr:nth-child(3) td:nth-child(2) .secret', 'data-suppressed')).toBe('complementary');
  });

  it('draws one tile per département, coloured by pupils and with the number written in it', async () => {
    const tiles = await page.$$eval('#carte li', (items) => items.map((item) =>
      [(item as HTMLElement).dataset.departement, item.className, (item as HTMLElement).innerText.replace(/\s+/g, ' ').trim()]));
    expect(tiles).toEqual([
      ['001', 'tile band-none', '001 secret statistique'],
      ['069', 'tile band-4', '069 42'],
      ['075', 'tile band-none', '075 secret statistique'],
    ]);
    expect(await page.$$eval('#legende li', (items) => items.length)).toBe(6);
  });

  it('downloads a measure by département as CSV, fetched with the token and offered as a file', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#telechargements button:first-child')]);
    expect(csv.suggestedFilename()).toMatch(/^pupils-national.*\.csv$/);
    const lines = fs.readFileSync((await csv.path())!, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('departement;value;suppressed');
    expect(lines).toContain('001;;small');
    expect(lines).toContain('069;42;');
  });

  it('has a label for every control and text with every colour at 4.5:1 at least, and saves a screenshot', async () => {
    const unlabelled = await page.$$eval('input, select', (controls) => controls
      .filter((c) => !(c as HTMLInputElement).labels?.length && !c.getAttribute('aria-label')).map((c) => c.id));
    expect(unlabelled).toEqual([]);
    const ratios = await contrastRatios(page, '.tile, .figure dd, #departements td, button, .legend li');
    expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
    const screenshot = path.join(screenshots, 'dashboard-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });

  it('tells a client of an académie that national is outside its perimeter, and shows only its départements', async () => {
    await page.close();
    await openAs(academie);
    await show('national');
    await expect.poll(() => text('#erreur')).toMatch(/^Territoire hors de votre périmètre ou inconnu\./);
    expect(await page.isVisible('#resultats')).toBe(false);
    await show('academie', '10');
    await page.waitForSelector('#resultats:not([hidden])');
    expect(await text('#erreur')).toBe('');
    expect((await tableRows()).map((row) => row[0])).toEqual(['001', '069', 'Ensemble du territoire']);
    expect(await page.$$eval('#carte li', (items) => items.map((item) => (item as HTMLElement).dataset.departement))).toEqual(['001', '069']);
    expect(await figures()).toEqual([
      ['establishments', '3'], ['pupils', '47'], ['teachers', '19'], ['classes', '4'], ['class-size', '11,8'],
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('asks nothing of any origin but the gateway\'s', () => {
    const origin = new URL(t.baseUrl).origin;
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:'))).toEqual([]);
  });
});
