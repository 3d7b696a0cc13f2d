// The SSO pages in a real browser (Debian's Chromium, driven by playwright-core), served by sendPage from a
// small app on loopback under their own CSP: keyboard only, text contrast of at least 4.5:1 computed from the
// rendered styles, a visible focus ring, one column on a phone, the SAML POST binding submitting itself to
// another origin, and no request leaving loopback nor anything the CSP refused.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { securityHeaders } from '../../gateway/http/security-headers.js';
import {
  choosePersonPage, errorPage, formPostPage, loggedOutPage, loginPage, logoutConfirmPage, oidcErrorPage, SSO_ERROR_KINDS,
} from '../../gateway/sso/pages/pages.js';
import { providerLogoutPages, renderProviderError } from '../../gateway/sso/pages/provider-pages.js';
import { ssoPageRoutes } from '../../gateway/sso/pages/routes.js';
import { pageSecurityPolicy, sendPage } from '../../gateway/sso/pages/send-page.js';
import { freePort } from '../support/ports.js';
import { startRelyingParty, type RelyingParty } from '../support/relying-party.js';
import { CHROMIUM, launchChromium, hasChromium } from '../support/chromium.js';

const TEMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sso-pages-'));

interface Served { readonly server: http.Server; readonly url: string }

async function serve(app: Express): Promise<Served> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A page that says where the browser arrived and what it posted. */
const arrival = (where: string, posted: unknown = {}) =>
  `<!DOCTYPE html><html lang="fr"><title>${where}</title><p id="arrived">${where}</p><pre id="posted">${JSON.stringify(posted)}</pre></html>`;

/** The identity provider of the SAML POST binding, on another loopback origin. */
function identityProvider(): Express {
  const app = express();
  app.post('/sso', express.urlencoded({ extended: false }), (req, res) => res.type('html').send(arrival('idp', req.body)));
  return app;
}

function pagesApp(idpUrl: string): Express {
  const app = express();
  app.use(securityHeaders('http://127.0.0.1'));
  app.use(ssoPageRoutes());
  app.use(express.urlencoded({ extended: false }));
  app.get('/login', (_req, res) => sendPage(res, loginPage({
    serviceName: 'Pronote',
    providers: [{ name: 'ÉduConnect', href: '/provider/educonnect' }, { name: 'Académie de Lyon — personnels', href: '/provider/lyon' }],
  })));
  app.get('/provider/:id', (req, res) => res.type('html').send(arrival(`provider ${req.params.id}`)));
  app.get('/choose', (_req, res) => sendPage(res, choosePersonPage({
    serviceName: 'Pronote', action: '/choose', fieldName: 'choice',
    choices: [
      { value: 'teacher', label: 'Enseignant — Collège Jean Moulin (0691234S)', detail: 'Lyon 8e' },
      { value: 'parent', label: 'Parent — de Léa Martin', detail: 'École élémentaire Berthelot' },
    ],
  })));
  app.post('/choose', (req, res) => res.type('html').send(arrival('chosen', req.body)));
  app.get('/saml', (_req, res) => sendPage(res, formPostPage({ action: `${idpUrl}/sso`, fields: { SAMLRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+', RelayState: 'r-1' } }), { formTargets: [idpUrl] }));
  app.get('/logout', (_req, res) => sendPage(res, logoutConfirmPage({ serviceName: 'Pronote', action: '/logout/confirm', xsrf: 'x-1' })));
  app.post('/logout/confirm', (req, res) => res.type('html').send(arrival('logout', req.body)));
  app.get('/logged-out', (_req, res) => sendPage(res, loggedOutPage({ serviceName: 'Pronote' })));
  app.get('/oidc-error', (_req, res) => sendPage(res, oidcErrorPage({ error: 'invalid_request', error_description: 'redirect_uri did not match' })));
  app.get('/error/:kind', (req, res) => sendPage(res, errorPage(req.params.kind as never, { retryHref: '/login', serviceName: 'Pronote' })));
  return app;
}

/** Every page of the SSO as the app above serves it. */
const PAGE_PATHS = ['/login', '/choose', '/saml', '/logout', '/logged-out', '/oidc-error', ...SSO_ERROR_KINDS.map((kind) => `/error/${kind}`)];

let idp: Served;
let pages: Served;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

const activeElement = () => page.evaluate(() => {
  const element = document.activeElement as HTMLElement | null;
  return { tag: element?.tagName.toLowerCase(), text: element?.textContent?.trim(), id: element?.id };
});

/**
 * Each text-bearing element's contrast with the background it is drawn on (the first opaque background among
 * itself and its ancestors), from the rendered styles, per WCAG 2's relative luminance.
 */
const contrasts = () => page.evaluate(() => {
  const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = (color: string) => {
    const [r, g, b] = rgb(color).slice(0, 3).map((channel) => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const background = (element: Element | null): string => {
    for (let at = element; at; at = at.parentElement) {
      const color = getComputedStyle(at).backgroundColor;
      const alpha = rgb(color)[3];
      if (alpha === undefined || alpha === 1) return color;
    }
    return 'rgb(255, 255, 255)';
  };
  const texts = [...document.querySelectorAll('main *')].filter((element) =>
    [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== ''));
  return texts.map((element) => {
    const [lighter, darker] = [luminance(getComputedStyle(element).color), luminance(background(element))].sort((a, b) => b - a);
    return { element: `${element.tagName.toLowerCase()} ${element.textContent!.trim().slice(0, 30)}`, ratio: (lighter! + 0.05) / (darker! + 0.05) };
  });
});

describe.skipIf(!hasChromium)(`the SSO pages in a browser${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  beforeAll(async () => {
    idp = await serve(identityProvider());
    pages = await serve(pagesApp(idp.url));
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // A style or script the CSP refused, or a script error, shows here (not the arrival pages' missing favicon).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    for (const served of [pages, idp]) if (served) await new Promise((resolve) => served.server.close(resolve));
  });

  beforeEach(() => { problems.length = 0; });

  it('reaches each identity provider with Tab and follows it with Enter', async () => {
    await page.goto(`${pages.url}/login`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.keyboard.press('Tab');
    expect(await activeElement()).toMatchObject({ tag: 'a', text: 'ÉduConnect' });
    await page.keyboard.press('Tab');
    expect(await activeElement()).toMatchObject({ tag: 'a', text: 'Académie de Lyon — personnels' });
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: path.join(TEMP, 'login-page.png'), fullPage: true });
    expect(fs.statSync(path.join(TEMP, 'login-page.png')).size).toBeGreaterThan(0);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${pages.url}/provider/lyon`);
    expect(await page.textContent('#arrived')).toBe('provider lyon');
    expect(problems).toEqual([]);
  });

  it('chooses a profile and posts it with the keyboard alone', async () => {
    await page.goto(`${pages.url}/choose`);
    expect(await page.$$eval('input[type=radio]:checked', (checked) => checked.length)).toBe(0);
    await page.keyboard.press('Tab');
    expect(await activeElement()).toMatchObject({ tag: 'input', id: 'choix-1' });
    await page.keyboard.press('ArrowDown');
    expect(await activeElement()).toMatchObject({ id: 'choix-2' });
    await page.keyboard.press('Tab');
    expect(await activeElement()).toMatchObject({ tag: 'button', text: 'Continuer' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${pages.url}/choose`);
    await page.waitForSelector('#arrived');
    expect(JSON.parse((await page.textContent('#posted'))!)).toEqual({ choice: 'parent' });
    expect(problems).toEqual([]);
  });

  it('confirms a logout with the keyboard, posting logout=yes and the xsrf', async () => {
    await page.goto(`${pages.url}/logout`);
    await page.keyboard.press('Tab');
    expect(await activeElement()).toMatchObject({ tag: 'button', text: 'Se déconnecter' });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#arrived');
    expect(JSON.parse((await page.textContent('#posted'))!)).toEqual({ xsrf: 'x-1', logout: 'yes' });
  });

  it('posts the SAML POST binding\'s form to the identity provider by itself', async () => {
    await page.goto(`${pages.url}/saml`);
    await page.waitForURL(`${idp.url}/sso`);
    await page.waitForSelector('#arrived');
    expect(JSON.parse((await page.textContent('#posted'))!)).toEqual({ SAMLRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+', RelayState: 'r-1' });
    expect(problems).toEqual([]);
  });

  it('keeps the SAML POST binding usable without scripts: its Continuer button posts the form', async () => {
    const noScripts = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
    try {
      const quiet = await noScripts.newPage();
      await quiet.goto(`${pages.url}/saml`);
      expect(await quiet.textContent('h1')).toBe('Connexion en cours');
      await quiet.click('button');
      await quiet.waitForURL(`${idp.url}/sso`);
      expect(await quiet.textContent('#arrived')).toBe('idp');
    } finally {
      await noScripts.close();
    }
  });

  it.each(PAGE_PATHS)('%s draws every text at a contrast of at least 4.5:1, without a CSP refusal', async (pagePath) => {
    // The binding page is measured without its script, which would post it away.
    if (pagePath === '/saml') await page.route('**/autosubmit.js', (route) => route.abort());
    try {
      await page.goto(`${pages.url}${pagePath}`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => document.styleSheets.length === 1 && getComputedStyle(document.body).margin === '0px');
      const measured = await contrasts();
      expect(measured.length).toBeGreaterThan(0);
      for (const { element, ratio } of measured) expect(ratio, element).toBeGreaterThanOrEqual(4.5);
      expect(problems.filter((problem) => /Content.Security.Policy|Refused/i.test(problem))).toEqual([]);
    } finally {
      await page.unrouteAll();
    }
  });

  it.each(['/login', '/choose', '/logout', '/error/unknown-person'])('%s fits a 320-pixel phone screen without scrolling sideways', async (pagePath) => {
    const phone = await browser.newContext({ locale: 'fr-FR', viewport: { width: 320, height: 640 } });
    try {
      const small = await phone.newPage();
      await small.goto(`${pages.url}${pagePath}`);
      expect(await small.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    } finally {
      await phone.close();
    }
  });

  it('never asked anything of a site other than the two loopback servers', () => {
    expect(requests.length).toBeGreaterThan(0);
    const allowed = new Set([new URL(pages.url).origin, new URL(idp.url).origin]);
    expect(requests.filter((url) => !allowed.has(new URL(url).origin))).toEqual([]);
  });
});

/**
 * A plain oidc-provider (development login: any login is accepted) whose logout and error pages are the SSO
 * pages, mounted in express behind helmet as in the gateway, with a test relying party.
 */
async function startProviderWithPages(): Promise<{ issuer: string; rp: RelyingParty; close(): Promise<void> }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const rp = await startRelyingParty({ issuer, clientId: 'ent', clientSecret: 'ent-secret-0123456789abcdef', name: 'ENT' });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'ent', client_secret: 'ent-secret-0123456789abcdef', client_name: 'ENT du collège',
      redirect_uris: [rp.redirectUri], post_logout_redirect_uris: [rp.postLogoutRedirectUri],
    }],
    cookies: { keys: ['pages-browser-test-cookie-key'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true, ...providerLogoutPages } },
    renderError: renderProviderError,
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  const app = express();
  const helmet = securityHeaders(issuer);
  // The development login's form redirects to the relying party, which helmet's form-action 'self' forbids;
  // it is not one of the SSO pages, so it goes without helmet.
  app.use(((req, res, next) => (req.path.startsWith('/interaction/') ? next() : helmet(req, res, next))) as RequestHandler);
  app.use(ssoPageRoutes());
  app.use(provider.callback() as RequestHandler);
  const served = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => served.once('listening', resolve));
  return {
    issuer, rp,
    close: async () => {
      await rp.close();
      served.closeAllConnections();
      await new Promise((resolve) => served.close(resolve));
    },
  };
}

describe.skipIf(!hasChromium)('oidc-provider\'s pages drawn as the SSO pages', () => {
  let op: Awaited<ReturnType<typeof startProviderWithPages>>;
  let opBrowser: Browser;
  let tab: Page;
  const refused: string[] = [];

  beforeAll(async () => {
    op = await startProviderWithPages();
    opBrowser = await launchChromium();
    const opContext = await opBrowser.newContext({ locale: 'fr-FR' });
    // The development login imports a web font; nothing leaves loopback.
    await opContext.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    tab = await opContext.newPage();
    tab.setDefaultTimeout(10_000);
    tab.on('console', (message) => { if (/Content.Security.Policy|Refused/i.test(message.text())) refused.push(message.text()); });
  });
  afterAll(async () => {
    await opBrowser?.close();
    await op?.close();
  });

  it('asks to confirm a logout in French, and its Se déconnecter returns to the relying party despite form-action', async () => {
    await tab.goto(op.rp.loginUrl);
    await tab.fill('input[name=login]', 'lea');
    await tab.fill('input[name=password]', 'any');
    await tab.click('button:has-text("Sign-in")');
    await tab.click('button:has-text("Continue")');
    await tab.waitForURL(`${op.rp.url}/`);
    expect(await tab.textContent('#status')).toBe('connecté');

    const confirmation = tab.waitForResponse((response) => response.url().startsWith(`${op.issuer}/session/end?`));
    await tab.goto(op.rp.logoutUrl);
    const headers = (await confirmation).headers();
    expect(headers['content-security-policy']).toBe(pageSecurityPolicy([op.rp.postLogoutRedirectUri]));
    expect(headers['cache-control']).toBe('no-store');
    expect(await tab.textContent('h1')).toBe('Se déconnecter');
    expect(await tab.textContent('main p')).toContain('Vous quittez « ENT du collège »');
    refused.length = 0;
    await tab.keyboard.press('Tab');
    expect(await tab.evaluate(() => document.activeElement?.textContent)).toBe('Se déconnecter');
    await tab.keyboard.press('Enter');
    await tab.waitForURL(`${op.rp.postLogoutRedirectUri}**`);
    expect(await tab.textContent('#status')).toBe('non connecté');
    expect(refused).toEqual([]);
  });

  it('says the person is signed out when the service gave no return address', async () => {
    const response = await tab.goto(`${op.issuer}/session/end/success?client_id=ent`);
    expect(response!.headers()['content-security-policy']).toBe(pageSecurityPolicy());
    expect(await tab.textContent('h1')).toBe('Vous êtes déconnecté');
    expect(await tab.textContent('main p')).toBe('Vous êtes déconnecté de « ENT du collège ».');
  });

  it('shows its errors in French with the provider\'s status, the code escaped', async () => {
    const response = await tab.goto(`${op.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://x.example/<b>')}`);
    expect(response!.status()).toBe(400);
    expect(response!.headers()['content-security-policy']).toBe(pageSecurityPolicy());
    expect(await tab.textContent('h1')).toBe('La demande de connexion n’a pas pu aboutir');
    expect(await tab.textContent('dd code')).toBe('invalid_client');
    expect(await tab.locator('b').count()).toBe(0);
  });
});
