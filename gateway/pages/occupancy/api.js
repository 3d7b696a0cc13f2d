// Talking to the gateway from the page: a client-credentials token kept in this module's memory only (never
// in storage, never in a URL), API calls with it as a bearer, and their failures as French sentences.
// Every URL is relative to the page (/occupancy), so a gateway published below a path prefix works too.

const SCOPE = 'occupancy.read';

/** A failure to show as is: `message` is French, `detail` what the server said (problem+json or OAuth error). */
export class PageError extends Error {
  constructor(message, { status = 0, detail = '', signedOut = false } = {}) {
    super(message);
    this.status = status;
    this.detail = detail;
    /** The token is no longer good: the page goes back to its sign-in form. */
    this.signedOut = signedOut;
  }
}

let session = null;

function signedIn() {
  return session !== null && Date.now() < session.expiresAt;
}

export function signOut() {
  session = null;
}

/** client_credentials with client_secret_basic (id and secret form-urlencoded first, RFC 6749 §2.3.1). */
export async function signIn(clientId, clientSecret) {
  const credentials = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
  const response = await send('oauth/token', {
    method: 'POST',
    headers: { Authorization: `Basic ${credentials}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string') throw tokenError(response.status, body);
  // A minute early: a request sent just before expiry would otherwise fail on arrival.
  const lifetime = Number(body.expires_in) > 0 ? Number(body.expires_in) : 300;
  session = { clientId, token: body.access_token, expiresAt: Date.now() + Math.max(lifetime - 60, 30) * 1000 };
}

function tokenError(status, body) {
  const detail = [body.error, body.error_description].filter(Boolean).join(' : ');
  if (body.error === 'invalid_client') return new PageError('Identifiant ou secret du client incorrect.', { status, detail });
  if (body.error === 'invalid_scope') {
    return new PageError(`Ce client API n’a pas le droit « ${SCOPE} » : demandez-le à l’administrateur de la passerelle.`, { status, detail });
  }
  return new PageError(`La connexion a échoué (HTTP ${status || '?'}).`, { status, detail });
}

/** GET on the API with the token; resolves with the response when it is 2xx, else throws a PageError. */
export async function apiGet(path, accept = 'application/json') {
  if (!signedIn()) {
    signOut();
    throw new PageError('Votre session a expiré : reconnectez-vous.', { signedOut: true });
  }
  const response = await send(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: accept } });
  if (response.ok) return response;
  throw await problemError(response);
}

export async function apiJson(path) {
  return (await apiGet(path)).json();
}

/** Every page of a listing, following `next` (an absolute URL on the gateway's public address). */
export async function allPages(path, maxPages = 50) {
  const records = [];
  let next = path;
  for (let page = 0; next && page < maxPages; page += 1) {
    const body = await apiJson(next);
    records.push(...body.data);
    next = body.next ? samePlace(body.next) : null;
  }
  return records;
}

/** The page and the API may be reached by different names (a proxy): keep the path, drop the origin. */
function samePlace(absolute) {
  const url = new URL(absolute, document.baseURI);
  if (url.origin === location.origin) return url.href;
  return `${location.origin}${url.pathname}${url.search}`;
}

/**
 * Downloads a representation of `path` as a file. The token cannot go into a link, so the body is fetched and
 * handed to the browser as a Blob; the file name is the server's (Content-Disposition) when it gives one.
 */
export async function download(path, accept, fallbackName) {
  const response = await apiGet(path, accept);
  const blob = await response.blob();
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

async function send(path, init) {
  try {
    return await fetch(path, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new PageError('Le serveur ne répond pas : vérifiez votre connexion puis réessayez.', { detail: String(error) });
  }
}

const STATUS_MESSAGES = {
  400: 'La demande a été refusée.',
  401: 'Votre session a expiré ou le jeton a été refusé : reconnectez-vous.',
  403: 'Ce client API n’a pas le droit de lire l’occupation des salles.',
  404: 'Établissement introuvable, ou hors du périmètre de ce client API.',
  406: 'Ce format de fichier n’est pas proposé.',
  429: 'Trop de demandes en peu de temps : patientez un instant puis réessayez.',
};

/** A problem+json answer (RFC 9457) as a French message; its English `detail` is kept alongside. */
async function problemError(response) {
  const problem = await response.json().catch(() => ({}));
  const message = STATUS_MESSAGES[response.status]
    ?? (response.status >= 500 ? 'Le serveur a rencontré une erreur : réessayez plus tard.' : `La demande a échoué (HTTP ${response.status}).`);
  const signedOutNow = response.status === 401;
  if (signedOutNow) signOut();
  return new PageError(message, { status: response.status, detail: typeof problem.detail === 'string' ? problem.detail : '', signedOut: signedOutNow });
}

export function currentClientId() {
  return session?.clientId ?? '';
}
