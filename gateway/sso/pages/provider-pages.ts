// oidc-provider's own pages drawn as the SSO pages: the logout confirmation, the page after a logout that
// names no return address, and its error page. Spread into the provider's configuration:
//   features.rpInitiatedLogout: { enabled: true, ...providerLogoutPages }, renderError: renderProviderError
// They set the same CSP as sendPage, over the one helmet set (Koa's ctx.set overwrites the header).
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { loggedOutPage, logoutConfirmPage, oidcErrorPage, type Page } from './pages.js';
import { pageSecurityPolicy } from './send-page.js';

function sendProviderPage(ctx: KoaContextWithOIDC, page: Page, formTargets: readonly string[] = [], status = page.status): void {
  ctx.set('Content-Security-Policy', pageSecurityPolicy(formTargets));
  ctx.set('Cache-Control', 'no-store');
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page.html;
}

const serviceNameOf = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.clientName;

type LogoutPages = Required<Pick<NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>, 'logoutSource' | 'postLogoutSuccessSource'>>;

export const providerLogoutPages: LogoutPages = {
  // The confirmation posts to end_session_confirm, which redirects to the client's post_logout_redirect_uri:
  // Chromium checks form-action on that redirect too, so its origin is allowed. Its `form` argument carries
  // only the action and the xsrf secret, both read here from where oidc-provider keeps them.
  logoutSource(ctx) {
    const state = ctx.oidc.session?.state as { secret?: string; postLogoutRedirectUri?: string } | undefined;
    const page = logoutConfirmPage({ serviceName: serviceNameOf(ctx), action: ctx.oidc.urlFor('end_session_confirm'), xsrf: state?.secret ?? '' });
    sendProviderPage(ctx, page, state?.postLogoutRedirectUri ? [state.postLogoutRedirectUri] : []);
  },
  postLogoutSuccessSource(ctx) {
    sendProviderPage(ctx, loggedOutPage({ serviceName: serviceNameOf(ctx) }));
  },
};

/** renderError: the status is oidc-provider's, already set on ctx (400, 401, 500…); the page explains in French. */
export const renderProviderError: NonNullable<Configuration['renderError']> = (ctx, out) => {
  sendProviderPage(ctx, oidcErrorPage({ error: out.error, error_description: out.error_description }), [], ctx.status);
};
