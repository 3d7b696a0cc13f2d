// Talking to the gateway from the dashboard: a client-credentials token for aggregates.read kept in this
// module's memory only (never in storage, never in a URL), API calls with it as a bearer, their failures as
// French sentences. URLs are relative to the page (/dashboard), so a path prefix works too.

const SCOPE = 'aggregates.read';

/** A failure to show as is: `message` is French, `detail` what the server said. */
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

export function signOut() {
  session = null;
}

export function currentClientId() {
  return session?.clientId ?? '';
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
  if (!response.ok || typeof body.access_token !== 'string') {
    const detail = [body.error, body.error_description].filter(Boolean).join(' : ');
    if (body.error === 'invalid_client') throw new PageError('Identifiant ou secret du client incorrect.', { status: response.status, detail });
    if (body.error === 'invalid_scope') throw new PageError(`Ce client API n’a pas le droit « ${SCOPE} » : demandez-le à l’administrateur de la passerelle.`, { status: response.status, detail });
    throw new PageError(`La connexion a échoué (HTTP ${response.status || '?'}).`, { status: response.status, detail });
  }
  // A minute early: a request sent just before expiry would otherwise fail on arrival.
  const lifetime = Number(body.expires_in) > 0 ? Number(body.expires_in) : 300;
  session = { clientId, token: body.access_token, expiresAt: Date.now() + Math.max(lifetime - 60, 30) * 1000 };
}

/** GET on the API with the token; resolves with the response when it is 2xx, else throws a PageError. */
export async function apiGet(path, accept = 'application/json') {
  if (session === null || Date.now() >= session.expiresAt) {
    signOut();
    throw new PageError('Votre session a expiré : reconnectez-vous.', { signedOut: true });
  }
  const response = await send(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: accept } });
  if (response.ok) return response;
  throw await problemError(response);
}

/** Downloads `path` as `accept`: the token cannot go into a link, so the body is offered as a Blob. */
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
  400: 'La demande a été refusée : vérifiez le code du territoire.',
  401: 'Votre session a expiré ou le jeton a été refusé : reconnectez-vous.',
  403: 'Ce client API n’a pas le droit de lire les agrégats.',
  404: 'Territoire hors de votre périmètre ou inconnu.',
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
