// What a relying party's developer reads in discovery, and the protocol features the gateway serves them:
// pairwise subjects, PKCE S256, the SSO scopes and their claims, back-channel and RP-initiated logout; refresh
// tokens only for a party registered for them.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../support/http-browser.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';

let world: SsoWorld;

beforeAll(async () => {
  world = await startSsoWorld('sso_discovery');
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe('discovery', () => {
  it('advertises the code flow with PKCE, pairwise subjects, the SSO scopes and claims, and both logouts', async () => {
    const doc = await (await fetch(`${world.baseUrl}/.well-known/openid-configuration`)).json();
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.subject_types_supported).toContain('pairwise');
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'school', 'classes', 'role', 'children', 'offline_access']));
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'given_name', 'family_name', 'uai', 'establishment_type', 'classes', 'role', 'roles', 'children']));
    expect(doc.claims_supported).not.toContain('ine');
    expect(doc.backchannel_logout_supported).toBe(true);
    expect(doc.end_session_endpoint).toBe(`${world.baseUrl}/oauth/logout`);
    expect(doc.userinfo_endpoint).toBe(`${world.baseUrl}/oauth/userinfo`);
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
  });
});

describe('refresh tokens', () => {
  async function tokensFor(clientId: string, secret: string, redirectUri: string, scope: string) {
    const verifier = randomBytes(32).toString('base64url');
    const browser = new HttpBrowser({ stopAt: (url) => url.href.startsWith(redirectUri) });
    const page = await browser.open(`${world.baseUrl}/oauth/authorize?${new URLSearchParams({
      client_id: clientId, response_type: 'code', scope, redirect_uri: redirectUri, prompt: 'consent',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 's'.repeat(32), nonce: 'n'.repeat(32),
    })}`);
    const back = await browser.submit(await browser.follow(page, 'ÉduConnect'), { login: 'lea', password: PASSWORD });
    const code = back.stoppedAt!.url.searchParams.get('code')!;
    const response = await fetch(`${world.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    expect(response.status).toBe(200);
    return response.json() as Promise<Record<string, string>>;
  }

  it('issues one to a party registered for them that asks offline_access, and to no other', async () => {
    const allowed = await world.relyingParty({ name: 'Appli mobile', scopes: ['openid', 'offline_access', 'role'], refreshTokens: true });
    const tokens = await tokensFor(allowed.client.clientId, allowed.secret, allowed.rp.redirectUri, 'openid offline_access role');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await fetch(`${world.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${allowed.client.clientId}:${allowed.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
    });
    expect(refreshed.status).toBe(200);
    expect((await refreshed.json()).id_token).toEqual(expect.any(String));

    const plain = await world.relyingParty({ name: 'Site', scopes: ['openid', 'role'] });
    const none = await tokensFor(plain.client.clientId, plain.secret, plain.rp.redirectUri, 'openid offline_access role');
    expect(none.refresh_token).toBeUndefined();
  });
});
