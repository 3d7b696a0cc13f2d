// A browser without a browser, for tests and benchmarks that go through login pages: it follows redirects by
// hand, keeps each origin's cookies (path and SameSite honoured), fills and submits a page's form (GET or POST,
// relative or absolute action), and submits the forms a page posts by itself (OIDC form_post, SAML POST
// binding) as a browser running the page's script would. No JavaScript runs otherwise.

export interface BrowserOptions {
  /** A request the browser would make next is not made when this says so; the result names it (`stoppedAt`). */
  readonly stopAt?: (url: URL) => boolean;
  /** Requests one navigation may make, redirects and self-posting forms included (default 20). */
  readonly maxRequests?: number;
}

/** A request the browser did not make because `stopAt` matched it. */
export interface StoppedRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** The fields of a POSTed form, empty for a GET. */
  readonly form: Readonly<Record<string, string>>;
}

export interface BrowserPage {
  /** The last response received; its body is already read into `body`. */
  readonly response: Response;
  readonly status: number;
  readonly url: URL;
  readonly body: string;
  /** Every URL requested during the navigation, in order (GET or POST). */
  readonly chain: readonly string[];
  /** Set when the navigation stopped before a request `stopAt` matched. */
  readonly stoppedAt?: StoppedRequest;
}

interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  readonly sameSite: 'strict' | 'lax' | 'none';
  readonly expiresAt: number;
}

interface HtmlForm {
  readonly action: URL;
  readonly method: 'GET' | 'POST';
  /** Name and value of each successful control, in document order. */
  readonly fields: readonly (readonly [string, string])[];
  /** The first named submit button, as a click on it would send it. */
  readonly submitter?: readonly [string, string];
}

interface Navigation {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly form: Readonly<Record<string, string>>;
}

export class HttpBrowser {
  /** Cookies per origin (scheme, host and port), by name and path. */
  readonly #jars = new Map<string, Map<string, Cookie>>();

  constructor(private readonly options: BrowserOptions = {}) {}

  /** Goes to `url` as if typed in the address bar, and on through redirects and self-posting forms. */
  open(url: string | URL): Promise<BrowserPage> {
    return this.#navigate({ method: 'GET', url: new URL(url), form: {} }, undefined);
  }

  /**
   * Submits one of the page's forms (the first by default) with its own fields, those given replacing or
   * adding to them, as a click on its first submit button would; then follows where it leads.
   */
  submit(page: BrowserPage, fields: Readonly<Record<string, string>> = {}, formIndex = 0): Promise<BrowserPage> {
    const form = formsIn(page.body, page.url)[formIndex];
    if (!form) throw new Error(`no form #${formIndex} on ${page.url.href} (status ${page.status})`);
    const values = new Map(form.submitter ? [...form.fields, form.submitter] : form.fields);
    for (const [name, value] of Object.entries(fields)) values.set(name, value);
    return this.#navigate(formRequest(form, [...values]), page.url);
  }

  /** Follows the page's first link whose text (tags left out) or href matches, as a click on it would. */
  follow(page: BrowserPage, link: string | RegExp): Promise<BrowserPage> {
    const matches = (text: string) => (typeof link === 'string' ? text.includes(link) : link.test(text));
    for (const [, attributeText = '', inner = ''] of page.body.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
      const href = attributesIn(attributeText).get('href');
      const text = decodeEntities(inner.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
      if (href && (matches(text) || matches(href))) return this.#navigate({ method: 'GET', url: new URL(href, page.url), form: {} }, page.url);
    }
    throw new Error(`no link matching ${String(link)} on ${page.url.href}`);
  }

  /** The cookies an origin has set that are still live, by name (the most specific path wins). */
  cookies(origin: string | URL): Record<string, string> {
    const jar = this.#jars.get(new URL(origin).origin) ?? new Map<string, Cookie>();
    const live = [...jar.values()].filter((c) => c.expiresAt > Date.now()).sort((a, b) => a.path.length - b.path.length);
    return Object.fromEntries(live.map((c) => [c.name, c.value]));
  }

  async #navigate(first: Navigation, initiator: URL | undefined): Promise<BrowserPage> {
    const chain: string[] = [];
    const limit = this.options.maxRequests ?? 20;
    let last: Omit<BrowserPage, 'chain' | 'stoppedAt'> | undefined;
    // A navigation another site's page started stays cross-site through its redirects (RFC 6265bis 5.2.1).
    let crossSite = false;
    let request = first;
    for (;;) {
      if (this.options.stopAt?.(request.url)) {
        if (!last) throw new Error(`stopped before the first request, at ${request.url.href}`);
        return { ...last, chain, stoppedAt: request };
      }
      if (chain.length >= limit) throw new Error(`more than ${limit} requests: ${chain.join(' → ')}`);
      chain.push(request.url.href);
      crossSite ||= initiator !== undefined && siteOf(initiator) !== siteOf(request.url);
      const response = await this.#fetch(request, initiator, crossSite);
      const body = await response.text();
      last = { response, status: response.status, url: request.url, body };
      const next = nextRequest(request, response, body);
      if (!next) return { ...last, chain };
      if (next.initiator) {
        initiator = next.initiator;
        crossSite = false;
      }
      request = next.request;
    }
  }

  async #fetch(request: Navigation, initiator: URL | undefined, crossSite: boolean): Promise<Response> {
    const headers = new Headers({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'fr-FR,fr;q=0.9' });
    // Browsers name the page a form came from; a server's CSRF check may read it.
    if (request.method === 'POST' && initiator) headers.set('origin', initiator.origin);
    const cookie = this.#cookieHeader(request, crossSite);
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (request.method === 'POST') {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(request.form).toString();
    }
    const response = await fetch(request.url, { method: request.method, headers, body, redirect: 'manual' });
    this.#store(request.url, response.headers.getSetCookie());
    return response;
  }

  #cookieHeader(request: Navigation, crossSite: boolean): string {
    const jar = this.#jars.get(request.url.origin);
    if (!jar) return '';
    const now = Date.now();
    return [...jar.values()]
      .filter((c) => c.expiresAt > now && pathMatches(request.url.pathname, c.path))
      .filter((c) => !crossSite || c.sameSite === 'none' || (c.sameSite === 'lax' && request.method === 'GET'))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  #store(url: URL, setCookies: readonly string[]): void {
    if (!setCookies.length) return;
    let jar = this.#jars.get(url.origin);
    if (!jar) this.#jars.set(url.origin, (jar = new Map()));
    for (const line of setCookies) {
      const cookie = parseSetCookie(line, url);
      if (!cookie) continue;
      const key = `${cookie.name};${cookie.path}`;
      if (cookie.expiresAt <= Date.now()) jar.delete(key);
      else jar.set(key, cookie);
    }
  }
}

/** Where the browser goes after a response: a redirect's target, or the form a page posts by itself. */
function nextRequest(request: Navigation, response: Response, body: string): { request: Navigation; initiator?: URL } | undefined {
  const location = response.headers.get('location');
  if (location && response.status >= 300 && response.status < 400) {
    const url = new URL(location, request.url);
    // 307 and 308 repeat the request as it was; the others become a GET, as browsers do.
    return { request: response.status === 307 || response.status === 308 ? { ...request, url } : { method: 'GET', url, form: {} } };
  }
  if (!/^text\/html/i.test(response.headers.get('content-type') ?? '') || !postsItself(body)) return undefined;
  const form = formsIn(body, request.url)[0];
  return form && { request: formRequest(form, form.fields), initiator: request.url };
}

function formRequest(form: HtmlForm, fields: readonly (readonly [string, string])[]): Navigation {
  if (form.method === 'POST') return { method: 'POST', url: form.action, form: Object.fromEntries(fields) };
  const url = new URL(form.action);
  url.search = new URLSearchParams(fields.map(([n, v]) => [n, v])).toString();
  return { method: 'GET', url, form: {} };
}

/** Scheme and host: the port does not make another site, nor does a subdomain here (no public suffix list). */
function siteOf(url: URL): string {
  return `${url.protocol}//${url.hostname}`;
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return requestPath === cookiePath || requestPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);
}

function parseSetCookie(line: string, url: URL): Cookie | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const equals = pair.indexOf('=');
  if (equals <= 0) return undefined;
  let path = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
  let sameSite: Cookie['sameSite'] = 'lax';
  let expiresAt = Infinity;
  let maxAge: number | undefined;
  for (const attribute of attributes) {
    const [rawName = '', ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) path = value;
    else if (name === 'samesite' && /^(strict|lax|none)$/i.test(value)) sameSite = value.toLowerCase() as Cookie['sameSite'];
    else if (name === 'expires' && !Number.isNaN(Date.parse(value))) expiresAt = Date.parse(value);
    else if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
  }
  // Max-Age wins over Expires (RFC 6265 5.3 step 3).
  if (maxAge !== undefined) expiresAt = maxAge <= 0 ? 0 : Date.now() + maxAge * 1000;
  return { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim(), path, sameSite, expiresAt };
}

/** A page that submits its form as soon as it loads: a script or an onload calling submit(). */
/** An inline script that submits the form, or the gateway's own convention (a form marked data-autosubmit, which its script file posts). */
function postsItself(html: string): boolean {
  return /<form\b/i.test(html) && (/\.submit\(\)|\.requestSubmit\(\)/.test(html) || /<form\b[^>]*\bdata-autosubmit\b/i.test(html));
}

function formsIn(html: string, base: URL): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)].map(([, attributeText = '', inner = '']) => {
    const attributes = attributesIn(attributeText);
    const fields: [string, string][] = [];
    let submitter: [string, string] | undefined;
    for (const [, tag = '', controlAttributes = '', content = ''] of inner.matchAll(/<(input|textarea|select|button)\b([^>]*)>(?:([\s\S]*?)<\/\1\s*>)?/gi)) {
      const control = attributesIn(controlAttributes);
      const name = control.get('name');
      if (!name || control.has('disabled')) continue;
      const type = (control.get('type') ?? (tag.toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      switch (tag.toLowerCase()) {
        case 'textarea':
          fields.push([name, decodeEntities(content)]);
          break;
        case 'select': {
          const options = [...content.matchAll(/<option\b([^>]*)>([^<]*)/gi)].map(([, o = '', text = '']) => ({ attributes: attributesIn(o), text }));
          const chosen = options.find((o) => o.attributes.has('selected')) ?? options[0];
          if (chosen) fields.push([name, chosen.attributes.get('value') ?? decodeEntities(chosen.text).trim()]);
          break;
        }
        default:
          if (type === 'submit' || type === 'image') submitter ??= [name, control.get('value') ?? ''];
          else if (type === 'checkbox' || type === 'radio') {
            if (control.has('checked')) fields.push([name, control.get('value') ?? 'on']);
          } else if (type !== 'button' && type !== 'reset' && type !== 'file') fields.push([name, control.get('value') ?? '']);
      }
    }
    const action = attributes.get('action');
    return {
      action: new URL(action ? action : base.href, base),
      method: attributes.get('method')?.toLowerCase() === 'post' ? 'POST' : 'GET',
      fields,
      submitter,
    };
  });
}

function attributesIn(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name = '', doubleQuoted, singleQuoted, bare] of text.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attributes.set(name.toLowerCase(), decodeEntities(doubleQuoted ?? singleQuoted ?? bare ?? ''));
  }
  return attributes;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1]?.toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isNaN(code) ? whole : String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}
