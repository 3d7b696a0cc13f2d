// Signing in to the dashboard through the gateway's own single sign-on: the page is a public relying party (a
// dashboard party, `passerelle clients create --dashboard`), so it runs the authorization code flow itself with
// PKCE and no secret. It asks for a token for the API (`resource`), which opens /v1/aggregates only, within the
// party's perimeter. What must survive the trip to the login pages (the PKCE verifier, state and nonce) waits in
// this tab's sessionStorage and is removed on the way back; the tokens stay in memory, as the client's do.
import { PageError } from '../page-kit/client.js';

const PENDING = 'passerelle.dashboard.sso';
const SCOPE = 'openid profile aggregates.read';

/** The dashboard parties people may sign in with here: [{ clientId, name }]. */
export async function ssoParties() {
  const response = await fetch('dashboard/sso.json', { credentials: 'omit', cache: 'no-store' }).catch(() => null);
  if (!response?.ok) return [];
  return (await response.json()).parties ?? [];
}

async function discovery() {
  const response = await fetch('.well-known/openid-configuration', { credentials: 'omit' }).catch(() => null);
  if (!response?.ok) throw new PageError('Le serveur ne répond pas : vérifiez votre connexion puis réessayez.');
  return response.json();
}

/** The page people come back to: the address the party is registered with, on the gateway's public URL. */
const pageUrl = (issuer) => `${issuer}/dashboard`;

const randomText = (bytes) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Leaves for the gateway's login pages on behalf of `party`; the browser comes back to this page. */
export async function startSsoLogin(party) {
  const configuration = await discovery();
  // The way back is the public URL: a page opened under another name would not find its sessionStorage there.
  if (new URL(configuration.issuer).origin !== location.origin) {
    location.assign(pageUrl(configuration.issuer));
    return;
  }
  const pending = { clientId: party.clientId, name: party.name, verifier: randomText(32), state: randomText(16), nonce: randomText(16) };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  const url = new URL(configuration.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: party.clientId,
    response_type: 'code',
    redirect_uri: pageUrl(configuration.issuer),
    scope: SCOPE,
    resource: `${configuration.issuer}/v1`,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/**
 * Back from the login pages (a `code` or an `error` in the address): exchanges the code and resolves with the
 * session, { clientId, partyName, person, token, expiresIn, idToken }; resolves null when the page was opened
 * otherwise. The address loses its parameters at once (a code is used once, and has no place in the history).
 */
export async function finishSsoLogin() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', location.pathname);
  if (!pending || params.get('state') !== pending.state) {
    throw new PageError('Cette connexion n’a pas été demandée par cet onglet, ou elle a déjà servi : recommencez.');
  }
  if (params.has('error')) {
    const detail = [params.get('error'), params.get('error_description')].filter(Boolean).join(' : ');
    throw new PageError(params.get('error') === 'access_denied' ? 'La connexion n’a pas abouti.' : 'La connexion a été refusée.', { detail });
  }
  const configuration = await discovery();
  if (params.has('iss') && params.get('iss') !== configuration.issuer) throw new PageError('La réponse de connexion ne vient pas de cette passerelle.');
  const response = await fetch(configuration.token_endpoint, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: pageUrl(configuration.issuer),
      client_id: pending.clientId,
      code_verifier: pending.verifier,
      resource: `${configuration.issuer}/v1`,
    }),
  }).catch((error) => {
    throw new PageError('Le serveur ne répond pas : vérifiez votre connexion puis réessayez.', { detail: String(error) });
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new PageError('La connexion a échoué : recommencez.', { detail: [body.error, body.error_description].filter(Boolean).join(' : ') });
  }
  // Straight from the token endpoint over the page's own connection: the ID token need not be verified again
  // (OpenID Connect Core §3.1.3.7); its nonce still ties it to this tab's request.
  const claims = idTokenClaims(body.id_token);
  if (claims.nonce !== pending.nonce || claims.aud !== pending.clientId) throw new PageError('La réponse de connexion ne correspond pas à cette demande : recommencez.');
  const person = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  return { clientId: pending.clientId, partyName: pending.name, person, token: body.access_token, expiresIn: body.expires_in, idToken: body.id_token };
}

function idTokenClaims(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
}

/** Ends the gateway's session too (RP-initiated logout): its page asks, then comes back here. */
export async function ssoLogout(session) {
  const configuration = await discovery();
  const url = new URL(configuration.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: session.idToken,
    client_id: session.clientId,
    post_logout_redirect_uri: pageUrl(configuration.issuer),
  }).toString();
  location.assign(url.href);
}
