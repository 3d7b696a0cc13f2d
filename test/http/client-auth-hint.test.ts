// A client that sends its secret in the form (client_secret_post) is refused with a hint naming the methods
// the token endpoint accepts; other failed authentications keep oidc-provider's plain answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientWithToken, fetchToken, TokenRequestError } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestGateway('client_auth_hint');
  client = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['academie:10'] });
});
afterAll(async () => t?.close());

describe('the token endpoint', () => {
  it('refuses client_secret_post with 401 invalid_client, saying that HTTP Basic and private_key_jwt are accepted', async () => {
    const response = await fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/^client_secret_post is not accepted: .*HTTP Basic.*private_key_jwt/);
  });

  it('answers a wrong secret sent with HTTP Basic without the hint', async () => {
    const error = await fetchToken(t.baseUrl, client.clientId, 'not-the-secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(401);
    expect((error as TokenRequestError).body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});
