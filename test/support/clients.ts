// Test helpers: API clients made through the repository, with real access tokens from the running gateway's
// token endpoint (no shortcut around the authorization server).
import type { Kysely } from 'kysely';
import { createClient } from '../../gateway/auth/clients.js';
import type { Database } from '../../gateway/store/tables.js';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; error_description?: string },
  ) {
    super(`token endpoint answered ${status}: ${body.error ?? '?'} (${body.error_description ?? ''})`);
  }
}

/** A client_credentials request with client_secret_basic; throws a TokenRequestError unless it is granted. */
export async function fetchToken(baseUrl: string, clientId: string, clientSecret: string, scope?: string): Promise<TokenResponse> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope !== undefined ? { scope } : {}) });
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
  const credentials = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = (await response.json()) as TokenResponse & { error?: string; error_description?: string };
  if (response.status !== 200) throw new TokenRequestError(response.status, json);
  return json;
}

/** Creates a client_secret_basic client and gets it a token holding all its scopes. */
export async function createClientWithToken(
  db: Kysely<Database>,
  baseUrl: string,
  options: { scopes: readonly string[]; perimeter: readonly string[]; name?: string },
): Promise<{ clientId: string; clientSecret: string; token: string }> {
  const { client, clientSecret } = await createClient(db, {
    name: options.name ?? `test client ${Math.random().toString(36).slice(2, 8)}`,
    scopes: options.scopes,
    perimeter: options.perimeter,
  });
  if (!clientSecret) throw new Error('expected a client secret');
  const { access_token } = await fetchToken(baseUrl, client.clientId, clientSecret);
  return { clientId: client.clientId, clientSecret, token: access_token };
}
