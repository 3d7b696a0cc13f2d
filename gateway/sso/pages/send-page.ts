// How an SSO page goes out: never cached, and under a Content-Security-Policy of its own that REPLACES the one
// the gateway's helmet middleware set earlier (res.setHeader overwrites a header of the same name).
import type { Response } from 'express';
import type { Page } from './pages.js';

/**
 * The policy of an SSO page: its own stylesheet and script only, and forms posted to this site or to
 * `formTargets`. Chromium applies form-action to the redirects that follow a submission too, so a form whose
 * answer redirects to a relying party (the profile choice, the logout confirmation) must name that party's
 * origin, and the SAML POST binding page its identity provider's. Each target is reduced to its origin; throws a
 * TypeError on one that is not an absolute URL.
 */
export function pageSecurityPolicy(formTargets: readonly string[] = []): string {
  const origins = [...new Set(formTargets.map((target) => new URL(target).origin))];
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    "img-src 'self'",
    ["form-action 'self'", ...origins].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function sendPage(res: Response, page: Page, options: { formTargets?: readonly string[] } = {}): void {
  res.setHeader('Content-Security-Policy', pageSecurityPolicy(options.formTargets));
  res.setHeader('Cache-Control', 'no-store');
  res.status(page.status).type('text/html; charset=utf-8').send(page.html);
}
