// A gateway started without PASSERELLE_SSO_CONFIG: a relying party's login ends on a page saying no identity
// provider is configured, never on oidc-provider's default page.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../gateway/auth/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { HttpBrowser } from '../support/http-browser.js';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway('sso_none');
});

afterAll(async () => {
  await t?.close();
});

it('shows the no-provider page in French', async () => {
  const { client } = await createClient(t.gateway.store.db, {
    name: 'ENT', scopes: ['openid'], perimeter: ['national'], relyingParty: { redirectUris: ['https://ent.example.fr/callback'] },
  });
  const verifier = randomBytes(32).toString('base64url');
  const page = await new HttpBrowser().open(`${t.baseUrl}/oauth/authorize?${new URLSearchParams({
    client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: 'https://ent.example.fr/callback',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 's'.repeat(32),
  })}`);
  expect(page.status).toBe(503);
  expect(page.url.pathname).toMatch(/^\/sso\/interaction\//);
  expect(page.body).toContain('lang="fr"');
  expect(page.body).toContain('ENT');
});
