// The local authorities' occupancy page in a real browser (Debian's Chromium, driven by playwright-core) on a
// real gateway: signing in with an API client, choosing an establishment and a week, reading the heat map,
// the rates and the heating plan, downloading CSV and iCalendar, keyboard only and with labelled controls.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { contrastRatios } from '../support/contrast.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';

const RESULTS = path.resolve(import.meta.dirname, '../../test-results');
const SCREENSHOT = path.join(RESULTS, 'occupancy-page.png');

const college = newUai('069');
const elsewhere = newUai('069');
const s101 = { id: randomUUID(), code: 'S101', name: 'Sciences 1', building: 'A', capacity: 30 };
const g201 = { id: randomUUID(), code: 'G201', name: 'Gymnase', building: 'B', capacity: 60 };
const course = (roomId: string, weekday: number, startTime: string, durationMinutes: number) => ({
  id: randomUUID(), roomIds: [roomId], teacherIds: [], groupIds: [], weekday, startTime, durationMinutes, weeks: 'all',
  validFrom: '2026-09-01', validTo: '2027-07-03',
});

/** The week of 16 November 2026: zone A, no holiday, no public holiday. */
const MONDAY = '2026-11-16';

let t: TestGateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let client: { clientId: string; clientSecret: string };
const pageErrors: string[] = [];

/** A cell's text with its spaces (the narrow no-break space before `%`) made plain. */
const cellText = async (selector: string) => (await page.locator(selector).innerText()).replace(/\s+/g, ' ').trim();
const heatCell = (room: string, hour: string) => cellText(`#carte td[data-room="${room}"][data-hour="${hour}"]`);

beforeAll(async () => {
  t = await startTestGateway('occupancy_page');
  const db = t.gateway.store.db;
  for (const uai of [college, elsewhere]) await putEstablishment(db, establishment(uai, LYON));
  await applyBatch(db, college, [
    upsert('room', s101), upsert('room', g201),
    // Monday: S101 from 08:00 to 09:30; Tuesday: G201 from 14:00 to 15:30.
    upsert('course', course(s101.id, 1, '08:00', 60)),
    upsert('course', course(s101.id, 1, '09:00', 30)),
    upsert('course', course(g201.id, 2, '14:00', 90)),
  ] as never);
  client = await createClientWithToken(db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: [`uai:${college}`], name: 'Métropole de Lyon' });
});
afterAll(async () => t?.close());

describe('the page over HTTP', () => {
  it('is served at /occupancy under the gateway\'s CSP, its assets beside it, /occupancy/ sent back to it', async () => {
    const html = await fetch(`${t.baseUrl}/occupancy`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).not.toMatch(/<script>|<style|style="|https?:\/\//);
    expect((await fetch(`${t.baseUrl}/occupancy/occupancy.js`)).headers.get('content-type')).toMatch(/javascript/);
    for (const wrong of ['/occupancy/', '/occupancy/index.html']) {
      const redirected = await fetch(`${t.baseUrl}${wrong}`, { redirect: 'manual' });
      expect([redirected.status, redirected.headers.get('location')]).toEqual([301, '../occupancy']);
    }
    expect((await fetch(`${t.baseUrl}/occupancy/nothing.js`)).status).toBe(404);
  });

  it('lets the gateway\'s own pages get a token from a browser, and no other site', async () => {
    const tokenFrom = (origin: string) => fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        origin,
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=occupancy.read',
    });
    expect((await tokenFrom(new URL(t.baseUrl).origin)).status).toBe(200);
    const foreign = await tokenFrom('https://elsewhere.example');
    expect([foreign.status, ((await foreign.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
  });
});

describe.skipIf(!hasChromium)(`the occupancy page in a browser${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // A script or style the CSP refused, or a script error, shows here (not the wrong secret's expected 401).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('opens in French with a skip link first, and says so in French when the secret is wrong', async () => {
    await page.goto(`${t.baseUrl}/occupancy`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Aller au contenu');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('client-id');
    await page.keyboard.type(client.clientId);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the secret');
    await page.keyboard.press('Enter');
    await expect.poll(() => cellText('#erreur')).toContain('Identifiant ou secret du client incorrect.');
    expect(await page.isVisible('#choix')).toBe(false);
  });

  it('signs in with the keyboard and lists only the establishments of the client\'s perimeter', async () => {
    await page.fill('#client-secret', '');
    await page.focus('#client-secret');
    await page.keyboard.type(client.clientSecret);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#choix:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('etablissement');
    expect(await page.$$eval('#etablissement option', (options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual([college]);
    expect(await cellText('#statut')).toBe('Connecté. 1 établissement accessible.');
    expect(await cellText('#erreur')).toBe('');
    // The secret is not kept in the form, and nothing in storage.
    expect(await page.inputValue('#client-secret')).toBe('');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    // The default week is the current one.
    expect(await page.inputValue('#semaine')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('shows the rooms × hours heat map of the chosen week, each cell as text and colour', async () => {
    await page.fill('#semaine', '2026-11-18'); // a Wednesday: the week runs from Monday 16
    await page.focus('#form-choix button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#resultats:not([hidden])');
    expect(await cellText('#resultats-titre')).toBe(`Collège ${college} (${college}) – semaine du lundi 16 novembre 2026 au dimanche 22 novembre 2026`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('resultats-titre');

    expect(await page.inputValue('#jour')).toBe(MONDAY);
    expect(await cellText('#carte caption')).toBe('Occupation le lundi 16 novembre 2026, par salle et par heure');
    expect(await page.$$eval('#carte thead th', (cells) => cells.map((c) => c.textContent))).toEqual(
      ['Salle', ...[8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map((h) => `${String(h).padStart(2, '0')} h à ${String(h + 1).padStart(2, '0')} h`)]);
    expect([await heatCell('S101', '08:00'), await heatCell('S101', '09:00'), await heatCell('S101', '10:00')]).toEqual(['100 %', '50 %', '0 %']);
    expect(await page.getAttribute('#carte td[data-room="S101"][data-hour="08:00"]', 'class')).toBe('heat heat-5');
    expect(await page.getAttribute('#carte td[data-room="S101"][data-hour="09:00"]', 'class')).toBe('heat heat-2');
    expect(await heatCell('G201', '14:00')).toBe('0 %');
    // Rows by building: A's room first, each headed by its code, name and building.
    expect(await page.$$eval('#carte tbody th', (cells) => cells.map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ')))).toEqual(
      ['S101 Sciences 1, bâtiment A', 'G201 Gymnase, bâtiment B']);

    await page.selectOption('#jour', '2026-11-17');
    expect([await heatCell('G201', '14:00'), await heatCell('G201', '15:00'), await heatCell('S101', '08:00')]).toEqual(['100 %', '50 %', '0 %']);
    await page.selectOption('#jour', 'semaine');
    expect(await heatCell('S101', '08:00')).toBe('20 %'); // one Monday hour out of five open days
    expect(await page.$$eval('#jour option', (options) => options.map((o) => o.textContent))).toEqual([
      'lundi 16 novembre', 'mardi 17 novembre', 'mercredi 18 novembre', 'jeudi 19 novembre', 'vendredi 20 novembre',
      'Toute la semaine (moyenne des jours ouverts)',
    ]);
    await page.selectOption('#jour', MONDAY);
  });

  it('shows the rates of the establishment, its buildings and its rooms', async () => {
    // 90 busy minutes a room over 5 days of 600 open minutes.
    expect(await cellText('#taux-etablissement')).toBe(
      'Taux d’occupation de l’établissement : 3 % (180 minutes occupées sur 6 000 minutes d’ouverture, 2 salles, de 08:00 à 18:00).');
    const rows = (selector: string) => page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) =>
      [...tr.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));
    expect(await rows('#taux-batiments')).toEqual([['A', 'S101', '3 %', '90', '3 000'], ['B', 'G201', '3 %', '90', '3 000']]);
    expect(await rows('#taux-salles')).toEqual([
      ['S101', 'Sciences 1', 'A', '30', '3 %', '90', '3 000'],
      ['G201', 'Gymnase', 'B', '60', '3 %', '90', '3 000'],
    ]);
  });

  it('shows the heating plan: comfort from an hour before the first lesson to the end of the last', async () => {
    expect(await cellText('#chauffage-reglages')).toContain('à partir de 60 min avant la première occupation');
    const rows = await page.$$eval('#chauffage tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows).toEqual([
      ['A', 'A', 'lundi 16 novembre', '07:00', '09:30'],
      ['B', 'B', 'mardi 17 novembre', '13:00', '15:30'],
    ]);
  });

  it('downloads the occupancy as a French CSV and the heating plan as iCalendar, the token never in a URL', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#telecharger-occupation')]);
    expect(csv.suggestedFilename()).toBe(`occupation-${college}-2026-11-16-2026-11-22.csv`);
    const bytes = fs.readFileSync((await csv.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('uai;batiment;salle;libelle;capacite;date;minutes_ouverture;minutes_occupees;taux');
    expect(lines).toContain(`${college};A;S101;Sciences 1;30;2026-11-16;600;90;0,1500`);
    await expect.poll(() => cellText('#statut')).toBe(`Fichier « occupation-${college}-2026-11-16-2026-11-22.csv » téléchargé.`);

    const [ics] = await Promise.all([page.waitForEvent('download'), page.click('#telecharger-chauffage-ics')]);
    expect(ics.suggestedFilename()).toBe(`chauffage-${college}-2026-11-16-2026-11-22.ics`);
    const calendar = fs.readFileSync((await ics.path())!, 'utf8');
    expect(calendar.startsWith('BEGIN:VCALENDAR')).toBe(true);
    expect(calendar).toContain('BEGIN:VEVENT');
    expect(requested.filter((url) => url.includes('/v1/')).every((url) => !/token|bearer/i.test(url))).toBe(true);
  });

  it('has a label for every control, a name for every button, and text with every colour at 4.5:1 at least', async () => {
    const unlabelled = await page.$$eval('input, select, textarea', (controls) => controls
      .filter((c) => !(c as HTMLInputElement).labels?.length && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
      .map((c) => c.id || c.outerHTML));
    expect(unlabelled).toEqual([]);
    expect(await page.$$eval('button', (buttons) => buttons.filter((b) => !b.textContent?.trim()).length)).toBe(0);
    // Every coloured cell (map and rates) says its value in text: colour never alone.
    const coloured = await page.$$eval('td.heat', (cells) => cells.map((c) => c.textContent ?? ''));
    expect(coloured.length).toBeGreaterThan(20);
    expect(coloured.every((text) => /^\d{1,3}\s%$/.test(text))).toBe(true);
    const ratios = await contrastRatios(page, 'td.heat, .legend li, #statut, button');
    expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
  });

  it('shows where the keyboard is, and saves a screenshot of the page', async () => {
    await page.focus('#jour');
    await page.keyboard.press('Tab'); // the heat map's scrolling region is reachable by keyboard
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { role: element.getAttribute('role'), outline: getComputedStyle(element).outlineStyle, width: getComputedStyle(element).outlineWidth };
    });
    expect(focused).toEqual({ role: 'region', outline: 'solid', width: '3px' });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });

  it('says in French why an establishment outside the perimeter is refused, with the server\'s detail', async () => {
    await page.$eval('#etablissement option', (option, uai) => { (option as HTMLOptionElement).value = uai; }, elsewhere);
    await page.click('#form-choix button[type="submit"]');
    await expect.poll(() => cellText('#erreur')).toMatch(/^Établissement introuvable, ou hors du périmètre de ce client API\. Détail technique : .+/);
    expect(await page.getAttribute('#erreur [lang="en"]', 'lang')).toBe('en');
    expect(await page.getAttribute('#erreur', 'role')).toBe('alert');
    await page.$eval('#etablissement option', (option, uai) => { (option as HTMLOptionElement).value = uai; }, college);
  });

  it('goes back to its sign-in form when signing out, the token forgotten', async () => {
    await page.click('#deconnexion');
    await page.waitForSelector('#connexion:not([hidden])');
    expect(await page.isVisible('#resultats')).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('client-id');
    expect(await cellText('#statut')).toBe('Vous êtes déconnecté.');
  });

  it('goes back to its sign-in form when the API no longer takes the token', async () => {
    await page.fill('#client-id', client.clientId);
    await page.fill('#client-secret', client.clientSecret);
    await page.click('#form-connexion button[type="submit"]');
    await page.waitForSelector('#choix:not([hidden])');
    await page.route('**/v1/establishments/*/occupancy?*', (route) => route.fulfill({
      status: 401, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'the token has expired' }),
    }));
    await page.click('#form-choix button[type="submit"]');
    await page.waitForSelector('#connexion:not([hidden])');
    expect(await cellText('#erreur')).toBe('Votre session a expiré ou le jeton a été refusé : reconnectez-vous. Détail technique : the token has expired');
    expect(await page.isVisible('#choix')).toBe(false);
    await page.unroute('**/v1/establishments/*/occupancy?*');
  });
});
