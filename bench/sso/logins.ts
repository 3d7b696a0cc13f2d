// bench/sso's clients: complete logins by browser-less clients (test/support/http-browser.ts), authorization
// codes minted for the relying party, and those codes exchanged at the gateway's token endpoint, as the relying
// party would.
import { createHash, randomBytes } from 'node:crypto';
import { HttpBrowser } from '../../test/support/http-browser.js';
import { PASSWORD, RP_SCOPES, type BenchWorld } from './world.js';

export interface LoadResult {
  readonly done: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Milliseconds per completed operation. */
  readonly latencies: readonly number[];
  readonly seconds: number;
}

/** The upstream provider a login goes through, by the link text of the gateway's login page. */
export type Upstream = 'ÉduConnect' | 'Académie de Lyon';

/**
 * One person's complete login, in a browser of its own (no session anywhere): the relying party's login link,
 * the gateway's authorization endpoint and login page, the upstream's form, back through the gateway's callback to
 * the relying party, which exchanges the code, fetches userinfo and shows the person as logged in.
 */
export async function logIn(world: BenchWorld, upstream: Upstream, login: string): Promise<void> {
  const browser = new HttpBrowser();
  const gatewayPage = await browser.open(world.rp.loginUrl);
  const upstreamForm = await browser.follow(gatewayPage, upstream);
  const done = await browser.submit(upstreamForm, { login, password: PASSWORD });
  if (done.url.origin !== world.rp.url || !done.body.includes('<p id="status">connecté</p>')) {
    throw new Error(`login of ${login} ended at ${done.url.href} (${done.status}): ${done.body.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
}

/** `concurrency` loops, each running `operation` one after the other until `seconds` have passed (an operation under way is finished). */
export async function runFor(seconds: number, concurrency: number, operation: (n: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const began = performance.now();
      try {
        await operation(next++);
        latencies.push(performance.now() - began);
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  }));
  return { done: latencies.length, errors, firstError, latencies, seconds: (performance.now() - start) / 1000 };
}

/** The same over a fixed list of items, shared by the loops, as fast as they go. */
export async function runOver<T>(items: readonly T[], concurrency: number, operation: (item: T) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++];
      const began = performance.now();
      try {
        await operation(item);
        latencies.push(performance.now() - began);
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  }));
  return { done: latencies.length, errors, firstError, latencies, seconds: (performance.now() - start) / 1000 };
}

/** An authorization code for the relying party, with what its exchange needs. */
export interface MintedCode {
  readonly code: string;
  readonly codeVerifier: string;
  readonly mintedAt: number;
}

/**
 * `count` codes for the relying party, made by `browsers` people who log in once (through `upstream`) and then,
 * their gateway session open, ask for a code again and again, as a person opening the ENT in several tabs would.
 * Each browser stops before the relying party's callback: the codes are left for the exchange to measure.
 */
export async function mintCodes(world: BenchWorld, upstream: Upstream, browsers: number, count: number): Promise<MintedCode[]> {
  const codes: MintedCode[] = [];
  const atCallback = (url: URL) => url.origin === world.rp.url && url.pathname === '/callback';
  await Promise.all(Array.from({ length: browsers }, async (_, b) => {
    const browser = new HttpBrowser({ stopAt: atCallback });
    let loggedIn = false;
    while (codes.length < count) {
      const codeVerifier = randomBytes(32).toString('base64url');
      const authorize = new URL('/oauth/authorize', world.baseUrl);
      authorize.search = new URLSearchParams({
        client_id: world.clientId, redirect_uri: world.rp.redirectUri, response_type: 'code', scope: RP_SCOPES.join(' '),
        state: randomBytes(16).toString('base64url'), nonce: randomBytes(16).toString('base64url'),
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'), code_challenge_method: 'S256',
      }).toString();
      let page = await browser.open(authorize);
      if (!loggedIn) {
        page = await browser.submit(await browser.follow(page, upstream), { login: world.logins[b % world.logins.length], password: PASSWORD });
        loggedIn = true;
      }
      const code = page.stoppedAt?.url.searchParams.get('code');
      if (!code) throw new Error(`no code: the browser ended at ${page.url.href} (${page.status}): ${page.body.slice(0, 300)}`);
      codes.push({ code, codeVerifier, mintedAt: performance.now() });
    }
  }));
  return codes.slice(0, count);
}

/** The relying party's code exchange: client_secret_basic, the code, its redirect_uri and PKCE verifier; an ID token expected. */
export async function exchangeCode(world: BenchWorld, minted: MintedCode): Promise<void> {
  const response = await fetch(new URL('/oauth/token', world.baseUrl), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(world.clientId)}:${encodeURIComponent(world.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: minted.code, redirect_uri: world.rp.redirectUri, code_verifier: minted.codeVerifier }),
  });
  const body = await response.json() as { id_token?: string; access_token?: string; error?: string; error_description?: string };
  if (response.status !== 200 || !body.id_token || !body.access_token) throw new Error(`token endpoint answered ${response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`);
}
