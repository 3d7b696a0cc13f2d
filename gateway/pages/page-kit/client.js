// Talking to the gateway from one of its pages: a client-credentials token for the page's scope kept in this
// client's memory only (never in storage, never in a URL), API calls with it as a bearer, and their failures as
// French sentences. Every URL is relative to the page, so a gateway published below a path prefix works too.

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

const COMMON_MESSAGES = {
  401: 'Votre session a expiré ou le jeton a été refusé : reconnectez-vous.',
  406: 'Ce format de fichier n’est pas proposé.',
  429: 'Trop de demandes en peu de temps : patientez un instant puis réessayez.',
};

/**
 * The API as a page with `scope` reads it; `messages` are the French sentences of the statuses whose meaning
 * depends on the page (400, 403, 404).
 */
export function apiClient({ scope, messages }) {
  const statusMessages = { ...COMMON_MESSAGES, ...messages };
  let session = null;

  function signOut() {
    session = null;
  }

  /** client_credentials with client_secret_basic (id and secret form-urlencoded first, RFC 6749 §2.3.1). */
  async function signIn(clientId, clientSecret) {
    const credentials = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
    const response = await send('oauth/token', {
      method: 'POST',
      headers: { Authorization: `Basic ${credentials}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.access_token !== 'string') throw tokenError(response.status, body);
    useToken(clientId, body.access_token, body.expires_in);
  }

  /** A token the page got otherwise (the dashboard's login through the gateway's SSO), kept the same way. */
  function useToken(clientId, token, expiresIn) {
    // A minute early: a request sent just before expiry would otherwise fail on arrival.
    const lifetime = Number(expiresIn) > 0 ? Number(expiresIn) : 300;
    session = { clientId, token, expiresAt: Date.now() + Math.max(lifetime - 60, 30) * 1000 };
  }

  function tokenError(status, body) {
    const detail = [body.error, body.error_description].filter(Boolean).join(' : ');
    if (body.error === 'invalid_client') return new PageError('Identifiant ou secret du client incorrect.', { status, detail });
    if (body.error === 'invalid_scope') {
      return new PageError(`Ce client API n’a pas le droit « ${scope} » : demandez-le à l’administrateur de la passerelle.`, { status, detail });
    }
    return new PageError(`La connexion a échoué (HTTP ${status || '?'}).`, { status, detail });
  }

  /** GET on the API with the token; resolves with the response when it is 2xx, else throws a PageError. */
  async function apiGet(path, accept = 'application/json') {
    if (session === null || Date.now() >= session.expiresAt) {
      signOut();
      throw new PageError('Votre session a expiré : reconnectez-vous.', { signedOut: true });
    }
    const response = await send(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: accept } });
    if (response.ok) return response;
    throw await problemError(response);
  }

  /** A problem+json answer (RFC 9457) as a French message; its English `detail` is kept alongside. */
  async function problemError(response) {
    const problem = await response.json().catch(() => ({}));
    const message = statusMessages[response.status]
      ?? (response.status >= 500 ? 'Le serveur a rencontré une erreur : réessayez plus tard.' : `La demande a échoué (HTTP ${response.status}).`);
    const signedOutNow = response.status === 401;
    if (signedOutNow) signOut();
    return new PageError(message, { status: response.status, detail: typeof problem.detail === 'string' ? problem.detail : '', signedOut: signedOutNow });
  }

  /**
   * Downloads a representation of `path` as a file. The token cannot go into a link, so the body is fetched and
   * handed to the browser as a Blob; the file name is the server's (Content-Disposition) when it gives one.
   */
  async function download(path, accept, fallbackName) {
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

  return {
    signIn,
    useToken,
    signOut,
    apiGet,
    apiJson: async (path) => (await apiGet(path)).json(),
    download,
    currentClientId: () => session?.clientId ?? '',
  };
}

async function send(path, init) {
  try {
    return await fetch(path, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new PageError('Le serveur ne répond pas : vérifiez votre connexion puis réessayez.', { detail: String(error) });
  }
}
