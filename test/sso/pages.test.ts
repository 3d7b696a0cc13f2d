// The SSO pages as HTML: every value escaped, no inline style or script, nothing loaded from another site, a
// label for every input, the statuses of the errors; sent by sendPage under its own CSP (replacing helmet's),
// their assets served with their types.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../gateway/http/security-headers.js';
import {
  choosePersonPage, errorPage, formPostPage, loggedOutPage, loginPage, logoutConfirmPage, oidcErrorPage,
  SSO_ERROR_KINDS, type Page,
} from '../../gateway/sso/pages/pages.js';
import { ssoPageRoutes } from '../../gateway/sso/pages/routes.js';
import { pageSecurityPolicy, sendPage } from '../../gateway/sso/pages/send-page.js';

const HOSTILE = `"><script>alert('x')</script><img src=x onerror=alert(1)>&amp;`;
const ESCAPED = '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;';

/** Every page, each with the hostile text in every value a caller passes. */
function everyPage(text: string): Record<string, Page> {
  const pages: Record<string, Page> = {
    login: loginPage({ serviceName: text, providers: [{ name: text, href: `/sso/begin/educonnect?x=${text}` }, { name: 'Académie de Lyon — personnels', href: 'https://idp.example/login' }] }),
    choosePerson: choosePersonPage({
      serviceName: text, action: `/sso/choose?${text}`, fieldName: text,
      choices: [{ value: text, label: text, detail: text }, { value: '2', label: 'Parent — de Léa Martin', detail: '' }],
    }),
    formPost: formPostPage({ action: `https://idp.example/sso?${text}`, fields: { SAMLRequest: text, [text]: text } }),
    logoutConfirm: logoutConfirmPage({ serviceName: text, action: `/oauth/logout/confirm?${text}`, xsrf: text }),
    loggedOut: loggedOutPage({ serviceName: text }),
    oidcError: oidcErrorPage({ error: text, error_description: text }),
  };
  for (const kind of SSO_ERROR_KINDS) pages[`error ${kind}`] = errorPage(kind, { retryHref: `/sso/retry?${text}`, serviceName: text });
  return pages;
}

const inputsOf = (html: string) => [...html.matchAll(/<input\b[^>]*>/g)].map(([tag]) => tag);
const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

describe('every page', () => {
  it.each(Object.entries(everyPage(HOSTILE)))('%s escapes every value it is given', (_name, { html }) => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    // Every occurrence is the escaped text whole: once those are taken out, nothing of the hostile text is left.
    expect(html).toContain(ESCAPED);
    expect(html.split(ESCAPED).join('')).not.toMatch(/alert|onerror/);
  });

  it.each(Object.entries(everyPage('Pronote')))('%s is French, has one main and one h1, loads only its own assets and no inline style or script', (_name, { html }) => {
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="fr">/);
    expect(html.match(/<main>/g)).toHaveLength(1);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([^<]*)<\/script>/g)];
    for (const [, attributes, content] of scripts) {
      expect(attributes).toBe(' src="/sso/assets/autosubmit.js" defer');
      expect(content).toBe('');
    }
    const assets = [...html.matchAll(/<(?:link|script|img)\b[^>]*\s(?:href|src)="([^"]*)"/g)].map(([, url]) => url);
    expect(assets.length).toBeGreaterThan(0);
    for (const url of assets) expect(url).toMatch(/^\/sso\/assets\/[a-z]+\.(css|js)$/);
  });

  it.each(Object.entries(everyPage('Pronote')))('%s labels every input a person sees', (_name, { html }) => {
    for (const input of inputsOf(html).filter((tag) => attribute(tag, 'type') !== 'hidden')) {
      const id = attribute(input, 'id');
      expect(id, input).toBeDefined();
      expect(html).toContain(`<label for="${id}">`);
    }
  });
});

describe('the login page', () => {
  it('offers one GET link per identity provider, drawn as a button', () => {
    const { status, html } = loginPage({
      serviceName: 'Pronote',
      providers: [{ name: 'ÉduConnect', href: '/sso/begin/educonnect?i=abc&x=1' }, { name: 'Académie de Lyon — personnels', href: '/sso/begin/lyon' }],
    });
    expect(status).toBe(200);
    expect(html).toContain('<h1>Se connecter à Pronote</h1>');
    expect(html).toContain('<a class="button" href="/sso/begin/educonnect?i=abc&amp;x=1">ÉduConnect</a>');
    expect(html).toContain('<a class="button" href="/sso/begin/lyon">Académie de Lyon — personnels</a>');
    expect(html).not.toContain('<form');
  });

  it('refuses a provider link that would run a script, and shows the no-provider error when there is none', () => {
    for (const href of ['javascript:alert(1)', 'data:text/html,x', '//evil.example/x', ' javascript:alert(1)']) {
      expect(() => loginPage({ serviceName: 'Pronote', providers: [{ name: 'x', href }] }), href).toThrow(TypeError);
    }
    expect(loginPage({ serviceName: 'Pronote', providers: [] })).toEqual(errorPage('no-provider', { serviceName: 'Pronote' }));
  });
});

describe('the profile choice', () => {
  const { status, html } = choosePersonPage({
    serviceName: 'Pronote', action: '/sso/choose', fieldName: 'choice',
    choices: [
      { value: 'a', label: 'Enseignant — Collège Jean Moulin (0691234S)', detail: 'Lyon 8e' },
      { value: 'b', label: 'Parent — de Léa Martin', detail: '' },
    ],
  });

  it('is a POST form of radio buttons in a fieldset with a legend, none chosen in advance, and a Continuer button', () => {
    expect(status).toBe(200);
    expect(html).toContain('<form method="post" action="/sso/choose">');
    expect(html).toMatch(/<fieldset>\n<legend>Votre profil<\/legend>/);
    const radios = inputsOf(html);
    expect(radios.map((tag) => [attribute(tag, 'type'), attribute(tag, 'name'), attribute(tag, 'value')]))
      .toEqual([['radio', 'choice', 'a'], ['radio', 'choice', 'b']]);
    expect(html).not.toContain('checked');
    expect(html).toContain('<label for="choix-1"><span class="choice-label">Enseignant — Collège Jean Moulin (0691234S)</span> <span class="choice-detail">Lyon 8e</span></label>');
    expect(html).toContain('<label for="choix-2"><span class="choice-label">Parent — de Léa Martin</span></label>');
    expect(html).toContain('<button type="submit" class="button">Continuer</button>');
  });
});

describe('the error pages', () => {
  it('answer with the status of what went wrong', () => {
    expect(Object.fromEntries(SSO_ERROR_KINDS.map((kind) => [kind, errorPage(kind).status]))).toEqual({
      'unknown-person': 403, 'ambiguous-person': 403, 'upstream-refused': 403, 'upstream-invalid': 502,
      'upstream-unavailable': 503, expired: 400, 'not-for-this-service': 403, 'staff-only': 403, 'no-provider': 503, internal: 500,
    });
  });

  it('send the person to the secretariat when the identity matches no one or several people', () => {
    for (const kind of ['unknown-person', 'ambiguous-person'] as const) expect(errorPage(kind).html).toContain('secrétariat de votre établissement');
    expect(errorPage('ambiguous-person').html).toContain('aucune n’est choisie à votre place');
  });

  it('offer Recommencer only with a retry link, and never one that would run a script', () => {
    expect(errorPage('expired').html).not.toContain('Recommencer');
    expect(errorPage('expired', { retryHref: '/sso/begin?a=1&b=2' }).html).toContain('<a class="button" href="/sso/begin?a=1&amp;b=2">Recommencer</a>');
    expect(errorPage('expired', { retryHref: 'javascript:alert(1)' }).html).not.toContain('Recommencer');
  });
});

describe('the SAML POST binding page', () => {
  it('carries the fields as hidden inputs, loads the auto-submit script, and keeps a Continuer button', () => {
    const { status, html } = formPostPage({ action: 'https://educonnect.example/idp/SSO', fields: { SAMLRequest: 'PHNhbWw+', RelayState: 'r1' } });
    expect(status).toBe(200);
    expect(html).toContain('<form method="post" action="https://educonnect.example/idp/SSO" data-autosubmit>');
    expect(html).toContain('<input type="hidden" name="SAMLRequest" value="PHNhbWw+">');
    expect(html).toContain('<input type="hidden" name="RelayState" value="r1">');
    expect(html).toContain('<script src="/sso/assets/autosubmit.js" defer></script>');
    expect(html).toContain('<button type="submit" class="button">Continuer</button>');
    expect(() => formPostPage({ action: 'javascript:alert(1)', fields: {} })).toThrow(TypeError);
  });
});

describe('the logout pages', () => {
  it('ask to confirm with the xsrf oidc-provider checks, Se déconnecter posting logout=yes', () => {
    const { html } = logoutConfirmPage({ serviceName: 'Pronote', action: '/oauth/logout/confirm', xsrf: 's3cr3t' });
    expect(html).toContain('<form method="post" action="/oauth/logout/confirm">');
    expect(html).toContain('<input type="hidden" name="xsrf" value="s3cr3t">');
    expect(html).toContain('<button type="submit" class="button" name="logout" value="yes">Se déconnecter</button>');
    expect(html).toContain('<button type="submit" class="button secondary">Rester connecté</button>');
    expect(html).toContain('Vous quittez « Pronote »');
    expect(logoutConfirmPage({ action: '/oauth/logout/confirm', xsrf: 'x' }).html).toContain('Vous quittez le service.');
  });

  it('say the person is signed out, naming the service when known', () => {
    expect(loggedOutPage({ serviceName: 'Pronote' }).html).toContain('Vous êtes déconnecté de « Pronote ».');
    expect(loggedOutPage().html).toContain('<p>Vous êtes déconnecté.</p>');
  });
});

describe('oidc-provider\'s error page', () => {
  it('explains in French and shows the code and description for the service\'s support', () => {
    const { status, html } = oidcErrorPage({ error: 'invalid_request', error_description: 'redirect_uri did not match' });
    expect(status).toBe(400);
    expect(html).toContain('<dd><code>invalid_request</code></dd>');
    expect(html).toContain('<dd>redirect_uri did not match</dd>');
    expect(oidcErrorPage({ error: 'server_error' }).status).toBe(500);
    expect(oidcErrorPage({ error: 'server_error' }).html).not.toContain('Détail');
  });
});

describe('sendPage and the assets over HTTP', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    // As in the gateway: helmet's policy first, which sendPage must replace.
    app.use(securityHeaders('http://127.0.0.1'));
    app.use(ssoPageRoutes());
    app.get('/login', (_req, res) => sendPage(res, loginPage({ serviceName: 'Pronote', providers: [{ name: 'ÉduConnect', href: '/x' }] })));
    app.get('/choose', (_req, res) => sendPage(res, choosePersonPage({ serviceName: 'Pronote', action: '/choose', fieldName: 'c', choices: [] }), {
      formTargets: ['https://pronote.example:8443/callback?x=1', 'https://pronote.example:8443/other', 'http://127.0.0.1:9/cb'],
    }));
    app.get('/unknown', (_req, res) => sendPage(res, errorPage('unknown-person')));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  it('sends a page as uncached UTF-8 HTML under the page\'s own CSP, not helmet\'s', async () => {
    const response = await fetch(`${base}/login`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(await response.text()).toContain('<h1>Se connecter à Pronote</h1>');
    expect((await fetch(`${base}/unknown`)).status).toBe(403);
  });

  it('lets a form post to the origins the caller names, each once', async () => {
    const policy = (await fetch(`${base}/choose`)).headers.get('content-security-policy');
    expect(policy).toContain("form-action 'self' https://pronote.example:8443 http://127.0.0.1:9;");
    expect(() => pageSecurityPolicy(["'unsafe-inline'; script-src *"])).toThrow(TypeError);
  });

  it('serves the stylesheet and the script with their types and a revalidated cache, and 404 for anything else', async () => {
    const css = await fetch(`${base}/sso/assets/sso.css`);
    expect([css.status, css.headers.get('content-type'), css.headers.get('cache-control')]).toEqual([200, 'text/css; charset=utf-8', 'no-cache']);
    expect(await css.text()).not.toMatch(/url\(|@import|https?:\/\//);
    const js = await fetch(`${base}/sso/assets/autosubmit.js`);
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'no-cache']);
    expect(js.headers.get('etag')).toBeTruthy();
    expect((await fetch(`${base}/sso/assets/nothing.js`)).status).toBe(404);
    const outside = await fetch(`${base}/sso/assets/..%2fpages.ts`);
    expect([403, 404]).toContain(outside.status);
    expect(await outside.text()).not.toContain('export function');
  });

  it('has on disk exactly the assets the pages load', () => {
    const folder = path.resolve(import.meta.dirname, '../../gateway/sso/pages/assets');
    expect(fs.readdirSync(folder).sort()).toEqual(['autosubmit.js', 'sso.css']);
  });
});
