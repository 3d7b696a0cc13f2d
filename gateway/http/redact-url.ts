// URLs as the gateway repeats them (request logs, a problem's `instance`): a credential a client put in the
// query string is cut out, whatever the way its name is percent-encoded.

const CREDENTIAL_PARAMETERS = new Set(['access_token', 'refresh_token', 'client_secret', 'client_assertion']);
const PARAMETER = /([?&])([^=&#]*)=([^&#]*)/g;
/**
 * What a URL holds if one of its parameters may name a credential: each name above, in any case, or a
 * percent-encoded name. Most URLs hold none, and are not taken apart (each request's log line repeats its URL).
 */
const MAY_NAME_A_CREDENTIAL = /token|secret|assertion|%/i;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/** Whether the URL's query string carries a credential (an access token, a client secret). */
export function hasCredentialInQuery(url: string): boolean {
  if (!MAY_NAME_A_CREDENTIAL.test(url)) return false;
  return [...url.matchAll(PARAMETER)].some((match) => CREDENTIAL_PARAMETERS.has(decodedName(match[2])));
}

/** The URL with the value of every credential parameter replaced by `[redacted]`; never throws. */
export function redactUrl(url: string): string {
  if (!MAY_NAME_A_CREDENTIAL.test(url)) return url;
  return url.replace(PARAMETER, (whole, separator: string, name: string) =>
    CREDENTIAL_PARAMETERS.has(decodedName(name)) ? `${separator}${name}=[redacted]` : whole);
}
