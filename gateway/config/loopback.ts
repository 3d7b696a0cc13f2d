// Plain http is accepted only on this machine's loopback (a developer's machine, the tests): redirect URIs,
// identity providers, back-channel logout. One list, so every check agrees on what loopback is.
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether a URL's host name (as `URL.hostname` gives it: IPv6 in brackets) is a loopback address. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** Whether the URL is https, or plain http on loopback. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
