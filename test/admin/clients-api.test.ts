// The administration API for clients over HTTP: create (secret once), list, read, change, revoke and rotate,
// each bounded by the caller's reach; every answer checked against the OpenAPI document by test/support/api.
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken, fetchToken, TokenRequestError } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const problemType = (slug: string) => `${t.baseUrl}/problems/${slug}`;
const lyonCollege = newUai('069');
const bourgCollege = newUai('001');
let national: Api;
let rhone: Api;


beforeAll(async () => {
  t = await startTestGateway('admin_clients');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(lyonCollege, LYON));
  await putEstablishment(db, establishment(bourgCollege, BOURG));
  const every = ['roster.read', 'roster.identifiers', 'sync.write', 'admin'];
  national = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: every, perimeter: ['national'] })).token);
  rhone = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read', 'admin'], perimeter: ['departement:069'] })).token);
});
afterAll(async () => t?.close());

interface ClientBody {
  clientId: string;
  name: string;
  scopes: string[];
  perimeter: string[];
  status: string;
  clientSecret?: string;
}

describe('/v1/admin/clients', () => {
  it('creates a client whose secret is shown once and gets tokens at once, then reads, changes and lists it', async () => {
    const created = await rhone.post<ClientBody>('/v1/admin/clients', { name: 'ENT Lyon', scopes: ['roster.read'], perimeter: ['commune:69123', `uai:${lyonCollege}`] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ENT Lyon', scopes: ['roster.read'], perimeter: ['commune:69123', `uai:${lyonCollege}`], status: 'active' });
    expect(created.headers.get('location')).toBe(`/v1/admin/clients/${created.body.clientId}`);
    const { clientId, clientSecret } = created.body;
    const token = await fetchToken(t.baseUrl, clientId, clientSecret!);
    expect((await api(t.baseUrl, token.access_token).get(`/v1/establishments/${lyonCollege}`)).status).toBe(200);

    const read = await rhone.get<ClientBody>(`/v1/admin/clients/${clientId}`);
    expect(read.status).toBe(200);
    expect(read.body.clientSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(clientSecret);

    const changed = await rhone.request<ClientBody>('PATCH', `/v1/admin/clients/${clientId}`, { body: { name: 'ENT Lyon 2', perimeter: ['departement:069'] } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'ENT Lyon 2', perimeter: ['departement:069'] });

    const listed = await rhone.get<{ data: ClientBody[] }>('/v1/admin/clients');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((c) => c.clientId)).toContain(clientId);
  });

  it('rotates a secret (the old one stops working) and revokes (tokens are refused at once)', async () => {
    const { body: created } = await national.post<ClientBody>('/v1/admin/clients', { name: 'App', scopes: ['roster.read'], perimeter: ['departement:069'] });
    const oldToken = (await fetchToken(t.baseUrl, created.clientId, created.clientSecret!)).access_token;
    const rotated = await rhone.post<ClientBody>(`/v1/admin/clients/${created.clientId}/rotate-secret`, undefined);
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(fetchToken(t.baseUrl, created.clientId, created.clientSecret!)).rejects.toBeInstanceOf(TokenRequestError);
    await fetchToken(t.baseUrl, created.clientId, rotated.body.clientSecret!);

    const revoked = await rhone.request<ClientBody>('DELETE', `/v1/admin/clients/${created.clientId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await api(t.baseUrl, oldToken).get('/v1/establishments')).status).toBe(401);
    const again = await rhone.request('PATCH', `/v1/admin/clients/${created.clientId}`, { body: { name: 'Back' } });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe(problemType('conflict'));
  });

  it('registers a private_key_jwt client by its public keys: no secret, shown with its keys, none to rotate', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    const created = await rhone.post<ClientBody & { jwks: unknown }>('/v1/admin/clients', { name: 'App JWT', scopes: ['roster.read'], perimeter: ['departement:069'], authMethod: 'private_key_jwt', jwks });
    expect(created.status).toBe(201);
    expect(created.body.clientSecret).toBeUndefined();
    expect(created.body).toMatchObject({ authMethod: 'private_key_jwt', jwks });
    const rotated = await rhone.post(`/v1/admin/clients/${created.body.clientId}/rotate-secret`, undefined);
    expect(rotated.status).toBe(409);
    expect(rotated.body.type).toBe(problemType('conflict'));
  });

  it('a département admin cannot create a national client, nor one of another département, nor give a scope it lacks', async () => {
    for (const perimeter of [['national'], ['departement:001'], [`uai:${bourgCollege}`], ['commune:01053'], ['academie:10'], []]) {
      const refused = await rhone.post('/v1/admin/clients', { name: 'Too wide', scopes: ['roster.read'], perimeter });
      expect(refused.status, JSON.stringify(perimeter)).toBe(403);
      expect(refused.body.type).toBe(problemType('outside-perimeter'));
      expect(refused.body.errors).toEqual([expect.objectContaining({ pointer: '/body/perimeter' })]);
    }
    const scope = await rhone.post('/v1/admin/clients', { name: 'INE reader', scopes: ['roster.identifiers'], perimeter: ['departement:069'] });
    expect(scope.status).toBe(403);
    expect(scope.body.type).toBe(problemType('scope-not-held'));
    expect(scope.body.errors).toEqual([expect.objectContaining({ pointer: '/body/scopes' })]);
    const listed = await national.get<{ data: ClientBody[] }>('/v1/admin/clients');
    expect(listed.body.data.some((c) => c.name === 'Too wide' || c.name === 'INE reader')).toBe(false);
  });

  it("another département's client, or one with scopes beyond the admin's, is a 404 identical to a missing one", async () => {
    const db = t.gateway.store.db;
    const { client: ain } = await createClient(db, { name: 'ENT Ain', scopes: ['roster.read'], perimeter: ['departement:001'] });
    const { client: wider } = await createClient(db, { name: 'INE Rhône', scopes: ['roster.identifiers'], perimeter: ['departement:069'] });
    const missing = 'pas_aaaaaaaaaaaaaaaa';
    const answers = await Promise.all([ain.clientId, wider.clientId, missing].map(async (id) => {
      const got = await rhone.get(`/v1/admin/clients/${id}`);
      const patched = await rhone.request('PATCH', `/v1/admin/clients/${id}`, { body: { perimeter: ['departement:069'] } });
      const rotated = await rhone.post(`/v1/admin/clients/${id}/rotate-secret`, undefined);
      const revoked = await rhone.request('DELETE', `/v1/admin/clients/${id}`);
      return [got, patched, rotated, revoked].map((r) => {
        const { instance: _i, detail, ...rest } = r.body as Record<string, unknown>;
        return { status: r.status, ...rest, detail: String(detail).replace(id, 'ID') };
      });
    }));
    expect(answers[0]).toEqual(answers[2]);
    expect(answers[1]).toEqual(answers[2]);
    expect(answers[2][0]).toMatchObject({ status: 404, type: problemType('not-found') });
    // Nothing was changed behind the 404s.
    const listedByNational = (await national.get<{ data: ClientBody[] }>('/v1/admin/clients')).body.data;
    expect(listedByNational.find((c) => c.clientId === ain.clientId)).toMatchObject({ status: 'active', perimeter: ['departement:001'] });
    const listedByRhone = (await rhone.get<{ data: ClientBody[] }>('/v1/admin/clients')).body.data.map((c) => c.clientId);
    expect(listedByRhone).not.toContain(ain.clientId);
    expect(listedByRhone).not.toContain(wider.clientId);
  });

  it('an académie admin manages its départements, communes and establishments, not another académie', async () => {
    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read', 'admin'], perimeter: ['academie:10'] });
    const lyonAcademie = api(t.baseUrl, token);
    for (const perimeter of [['departement:001', 'departement:069'], ['commune:01053'], [`uai:${bourgCollege}`]]) {
      expect((await lyonAcademie.post('/v1/admin/clients', { name: 'Inside', scopes: ['roster.read'], perimeter })).status, JSON.stringify(perimeter)).toBe(201);
    }
    for (const perimeter of [['departement:075'], ['region:84']]) {
      expect((await lyonAcademie.post('/v1/admin/clients', { name: 'Outside', scopes: ['roster.read'], perimeter })).status, JSON.stringify(perimeter)).toBe(403);
    }
  });

  it('refuses bad input with the field named, and callers without the admin scope', async () => {
    const bad = await rhone.post('/v1/admin/clients', { name: 'X', scopes: ['roster.read'], perimeter: ['departement:69'] });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe(problemType('validation'));
    expect(bad.body.errors).toEqual([{ pointer: '/body/perimeter', detail: expect.stringContaining('a département code on 3 characters') }]);
    const unknownScope = await rhone.post('/v1/admin/clients', { name: 'X', scopes: ['everything'], perimeter: ['departement:069'] });
    expect(unknownScope.status).toBe(400);
    expect(unknownScope.body.errors[0].pointer).toBe('/body/scopes/0');
    const empty = await rhone.request('PATCH', '/v1/admin/clients/pas_aaaaaaaaaaaaaaaa', { body: {} });
    expect(empty.status).toBe(400);

    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    const reader = await api(t.baseUrl, token).get('/v1/admin/clients');
    expect(reader.status).toBe(403);
    expect(reader.body.type).toBe(problemType('insufficient-scope'));
  });
});

describe('relying parties in the administration API', () => {
  it('shows a relying party within reach with its registration, and refuses it API scopes', async () => {
    const { client } = await createClient(t.gateway.store.db, {
      name: 'ENT Rhône', scopes: ['openid', 'role'], perimeter: ['departement:069'],
      relyingParty: { redirectUris: ['https://ent.example.fr/callback'] },
    });
    const read = await rhone.get<ClientBody & { kind: string; relyingParty: Record<string, unknown> }>(`/v1/admin/clients/${client.clientId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      kind: 'relying-party', scopes: [],
      relyingParty: { scopes: ['openid', 'role'], redirectUris: ['https://ent.example.fr/callback'], backchannelLogoutUri: null, refreshTokens: false, allRoles: false },
    });
    const apiScopes = await rhone.request('PATCH', `/v1/admin/clients/${client.clientId}`, { body: { scopes: ['roster.read'] } });
    expect(apiScopes.status).toBe(400);
    expect(JSON.stringify(apiScopes.body)).toContain('a relying party\'s scopes are among');
  });
});
