// URLs as the gateway repeats them (request logs, a problem's `instance`): a credential a client put in the
// query string is cut out, whatever the way its name is percent-encoded.

const CREDENTIAL_PARAMETERS = new Set(['access_token', 'refresh_token', 'client_secret', 'client_assertion']);
const PARAMETER = /([?&])([^=&#]*)=([^&#]*)/g;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/** Whether the URL's query string carries a credential (an access token, a client secret). */
export function hasCredentialInQuery(url: string): boolean {
  return [...url.matchAll(PARAMETER)].some((match) => CREDENTIAL_PARAMETERS.has(decodedName(match[2])));
}

/** The URL with the value of every credential parameter replaced by `[redacted]`; never throws. */
export function redactUrl(url: string): string {
  return url.replace(PARAMETER, (whole, separator: string, name: string) =>
    CREDENTIAL_PARAMETERS.has(decodedName(name)) ? `${separator}${name}=[redacted]` : whole);
}
