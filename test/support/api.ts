// A small HTTP client for tests, on fetch: every response it receives is checked against the OpenAPI
// document (test/support/contract.ts) before the test sees it, so a suite cannot pass on an undocumented answer.
import { validateResponse } from './contract.js';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or bytes are sent as they are (set their Content-Type in `headers`). */
  body?: unknown;
  /** `manual` to see a redirect itself rather than where it leads. */
  redirect?: RequestRedirect;
}

export interface ApiResponse<Body = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON for a JSON media type, text otherwise, null when empty. */
  body: Body;
}

export interface Api {
  get<Body = any>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<ApiResponse<Body>>;
  put<Body = any>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>): Promise<ApiResponse<Body>>;
  post<Body = any>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>): Promise<ApiResponse<Body>>;
  request<Body = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<Body>>;
}

/**
 * `baseUrl` is the server's root (`http://127.0.0.1:41234`), `path` starts with `/`; `token`, when given, is
 * sent as a bearer token.
 */
export function api(baseUrl: string, token?: string): Api {
  const request = async <Body>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<Body>> => {
    const headers = new Headers(options.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
        body = typeof options.body === 'string' ? options.body : new Uint8Array(options.body);
      } else {
        body = JSON.stringify(options.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const url = baseUrl.replace(/\/+$/, '') + path;
    const response = await fetch(url, { method, headers, body, redirect: options.redirect ?? 'follow' });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let parsed: unknown = text === '' ? null : text;
    if (text !== '' && /[/+]json\b/i.test(contentType)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${url} → ${response.status}: Content-Type ${contentType} but the body is not JSON: ${text.slice(0, 200)}`);
      }
    }
    validateResponse({ method, url: response.url || url, status: response.status, headers: response.headers, body: parsed });
    return { status: response.status, headers: response.headers, body: parsed as Body };
  };
  return {
    get: (path, options) => request('GET', path, options),
    put: (path, body, options) => request('PUT', path, { ...options, body }),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    request,
  };
}
