// Two gateway replicas on one store behind a load balancer without affinity: a login's interaction, its trip
// upstream and the session it leaves are in Redis (when the gateway has one) or in PostgreSQL, so any replica
// serves any step, in either case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../support/http-browser.js';
import type { RelyingParty } from '../support/relying-party.js';
import { PASSWORD, startSsoWorld, type SsoWorld } from '../support/sso-world.js';

describe.each([
  { storage: 'Redis', redis: true },
  { storage: 'PostgreSQL', redis: false },
])('with sessions in $storage', ({ redis }) => {
  let world: SsoWorld;
  let first: RelyingParty;
  let second: RelyingParty;

  beforeAll(async () => {
    world = await startSsoWorld('sso_replicas', { replicas: 2, redis });
    first = (await world.relyingParty({ name: 'ENT', scopes: ['openid', 'role'] })).rp;
    second = (await world.relyingParty({ name: 'Manuels', scopes: ['openid', 'school'] })).rp;
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it('serves each login across both replicas, and single sign-on from the session either one wrote', async () => {
    for (const [provider, login] of [['ÉduConnect', 'lea'], ['Académie', 'paul']] as const) {
      const browser = new HttpBrowser();
      const loginPage = await browser.open(first.loginUrl);
      const form = await browser.follow(loginPage, provider);
      let page = await browser.submit(form, { login, password: PASSWORD });
      if (page.body.includes('type="radio"')) page = await browser.submit(page, { choice: page.body.match(/value="([0-9a-f-]{36})"/)![1] });
      expect(page.url.origin).toBe(first.url);
      const again = await browser.open(second.loginUrl);
      expect(again.url.origin).toBe(second.url);
      expect(again.chain.some((url) => url.includes('/idp/') || url.includes('/interaction/'))).toBe(false);
    }
    expect(first.sessions().map((s) => s.userinfo.role).sort()).toEqual(['pupil', 'teacher']);
    for (const replica of world.replicas) expect(replica.served()).toBeGreaterThan(5);
    const kept = await world.gateway.gateway.store.db.selectFrom('oidc_payload').select('model').where('model', 'in', ['Session', 'Interaction']).execute();
    expect(kept.length > 0).toBe(!redis);
  });
});
