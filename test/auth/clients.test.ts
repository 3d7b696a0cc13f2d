// The client repository, the stored keys and the oidc-provider adapter, against a real PostgreSQL schema of
// their own (no HTTP here; see authorization-server.test.ts for that).
import { exportJWK, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcPayloadAdapter } from '../../gateway/auth/adapter.js';
import { deleteExpiredOidcPayloads } from '../../gateway/store/oidc-payloads.js';
import { generateClientId, verifyClientSecret } from '../../gateway/auth/client-secret.js';
import {
  ClientError,
  createClient,
  getClient,
  listClients,
  revokeClient,
  rotateClientSecret,
  updateClient,
} from '../../gateway/auth/clients.js';
import { COOKIE_KEY_ALG, KeyError, loadKeys, retireSigningKey, SIGNING_ALG } from '../../gateway/auth/keys.js';
import { loadConfig } from '../../gateway/config/config.js';
import { committedSequence } from '../../gateway/store/changelog.js';
import { openStore, type Store } from '../../gateway/store/db.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';

const DATABASE_URL = TEST_DATABASE_URL;
const schema = uniqueSchema('auth_clients');
let store: Store;

beforeAll(async () => {
  store = await openStore(loadConfig({ DATABASE_URL, DATABASE_SCHEMA: schema }));
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
});

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

function versions(clientId: string) {
  return store.db
    .selectFrom('client_perimeter_version')
    .select(['seq', 'perimeter'])
    .where('client_id', '=', clientId)
    .orderBy('seq')
    .execute();
}

describe('createClient', () => {
  it('stores the perimeter in canonical form and versions it at the current change-log sequence', async () => {
    const { client, clientSecret } = await createClient(store.db, {
      name: '  ENT Lyon  ',
      scopes: ['timetable.read', 'roster.read', 'roster.read'],
      perimeter: ['uai:0750655e', 'departement:069', 'uai:0750655E', ''],
    });
    expect(client).toMatchObject({
      name: 'ENT Lyon',
      scopes: ['roster.read', 'timetable.read'],
      perimeter: ['uai:0750655E', 'departement:069'],
      authMethod: 'client_secret_basic',
      status: 'active',
      jwks: null,
    });
    expect(client.clientId).toMatch(/^pas_[a-z2-7]{16}$/);
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await versions(client.clientId);
    expect(rows).toEqual([{ seq: String(await committedSequence(store.db)), perimeter: ['uai:0750655E', 'departement:069'] }]);
  });

  it('keeps only a salted hash of the secret, which verifies the secret and nothing else', async () => {
    const { client, clientSecret } = await createClient(store.db, { name: 'hashed', scopes: ['roster.read'], perimeter: ['national'] });
    const row = await store.db.selectFrom('api_client').select('secret_hash').where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).not.toContain(clientSecret!);
    expect(await verifyClientSecret(clientSecret!, row.secret_hash)).toBe(true);
    expect(await verifyClientSecret(`${clientSecret!}x`, row.secret_hash)).toBe(false);
    expect(await verifyClientSecret(clientSecret!, 'hmac-sha256$AA$AA')).toBe(false);
    expect(await verifyClientSecret(clientSecret!, null)).toBe(false);
  });

  it('names the bad entry: an unknown scope, a bad perimeter entry, an empty name', async () => {
    const scope = await rejection(createClient(store.db, { name: 'x', scopes: ['roster.read', 'roster.write'], perimeter: ['national'] }));
    expect(scope.field).toBe('scopes');
    expect(scope.message).toMatch(/scope "roster\.write": expected one of roster\.read/);
    const noScope = await rejection(createClient(store.db, { name: 'x', scopes: [], perimeter: ['national'] }));
    expect(noScope.field).toBe('scopes');
    const perimeter = await rejection(createClient(store.db, { name: 'x', scopes: ['roster.read'], perimeter: ['uai:0750655F'] }));
    expect(perimeter.field).toBe('perimeter');
    expect(perimeter.message).toMatch(/perimeter entry "uai:0750655F"/);
    const name = await rejection(createClient(store.db, { name: '   ', scopes: ['roster.read'], perimeter: ['national'] }));
    expect(name.field).toBe('name');
  });

  it('a private_key_jwt client has public keys and no secret; private key material is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { client, clientSecret } = await createClient(store.db, {
      name: 'keys',
      scopes: ['roster.read'],
      perimeter: ['national'],
      authMethod: 'private_key_jwt',
      jwks: { keys: [await exportJWK(publicKey)] },
    });
    expect(clientSecret).toBeUndefined();
    expect(client.authMethod).toBe('private_key_jwt');
    expect(client.jwks?.keys).toHaveLength(1);
    const row = await store.db.selectFrom('api_client').select('secret_hash').where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBeNull();

    const leaked = await rejection(
      createClient(store.db, { name: 'k', scopes: ['roster.read'], perimeter: [], authMethod: 'private_key_jwt', jwks: { keys: [await exportJWK(privateKey)] } }),
    );
    expect(leaked.field).toBe('jwks');
    expect(leaked.message).toMatch(/jwks\.keys\[0\]: contains private or symmetric key material \("d"\)/);
    const missing = await rejection(createClient(store.db, { name: 'k', scopes: ['roster.read'], perimeter: [], authMethod: 'private_key_jwt' }));
    expect(missing.field).toBe('jwks');
    const notAJwks = await rejection(
      createClient(store.db, { name: 'k', scopes: ['roster.read'], perimeter: [], authMethod: 'private_key_jwt', jwks: { keys: [] } }),
    );
    expect(notAJwks.field).toBe('jwks');
    const secretClientWithKeys = await rejection(
      createClient(store.db, { name: 'k', scopes: ['roster.read'], perimeter: [], jwks: { keys: [await exportJWK(publicKey)] } }),
    );
    expect(secretClientWithKeys.field).toBe('jwks');
    await expect(rotateClientSecret(store.db, client.clientId)).rejects.toThrow(/private_key_jwt; it has no secret/);
  });
});

describe('updateClient, revokeClient, rotateClientSecret', () => {
  it('a perimeter change appends a version at a new sequence; a reordering or a name change does not', async () => {
    const { client } = await createClient(store.db, { name: 'v', scopes: ['roster.read'], perimeter: ['departement:069', 'uai:0750655E'] });
    await updateClient(store.db, client.clientId, { perimeter: ['uai:0750655E', 'departement:069'] });
    await updateClient(store.db, client.clientId, { name: 'renamed', scopes: ['roster.read', 'roster.identifiers'] });
    expect(await versions(client.clientId)).toHaveLength(1);

    const updated = await updateClient(store.db, client.clientId, { perimeter: ['departement:001', 'uai:0750655E'] });
    expect(updated).toMatchObject({ name: 'renamed', scopes: ['roster.read', 'roster.identifiers'], perimeter: ['departement:001', 'uai:0750655E'] });
    const rows = await versions(client.clientId);
    expect(rows.map((r) => r.perimeter)).toEqual([
      ['departement:069', 'uai:0750655E'],
      ['departement:001', 'uai:0750655E'],
    ]);
    expect(BigInt(rows[1].seq)).toBeGreaterThan(BigInt(rows[0].seq));
    expect(rows[1].seq).toBe(String(await committedSequence(store.db)));
  });

  it('a rejected update changes nothing', async () => {
    const { client } = await createClient(store.db, { name: 'r', scopes: ['roster.read'], perimeter: ['national'] });
    const error = await rejection(updateClient(store.db, client.clientId, { name: 'new', perimeter: ['departement:69'] }));
    expect(error.field).toBe('perimeter');
    expect((await getClient(store.db, client.clientId))?.name).toBe('r');
    expect(await versions(client.clientId)).toHaveLength(1);
  });

  it('rotating a secret replaces the hash: only the new secret verifies', async () => {
    const { client, clientSecret } = await createClient(store.db, { name: 's', scopes: ['roster.read'], perimeter: ['national'] });
    const fresh = await rotateClientSecret(store.db, client.clientId);
    const { secret_hash } = await store.db.selectFrom('api_client').select('secret_hash').where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    expect(await verifyClientSecret(fresh, secret_hash)).toBe(true);
    expect(await verifyClientSecret(clientSecret!, secret_hash)).toBe(false);
  });

  it('a revoked client is listed as revoked and can no longer be changed', async () => {
    const { client } = await createClient(store.db, { name: 'gone', scopes: ['roster.read'], perimeter: ['national'] });
    expect((await revokeClient(store.db, client.clientId)).status).toBe('revoked');
    expect((await revokeClient(store.db, client.clientId)).status).toBe('revoked');
    expect((await listClients(store.db)).find((c) => c.clientId === client.clientId)?.status).toBe('revoked');
    expect((await rejection(updateClient(store.db, client.clientId, { name: 'back' }))).reason).toBe('revoked');
    expect((await rejection(rotateClientSecret(store.db, client.clientId))).reason).toBe('revoked');
  });

  it('an unknown client id is not found', async () => {
    const unknown = generateClientId();
    expect(await getClient(store.db, unknown)).toBeUndefined();
    expect((await rejection(updateClient(store.db, unknown, { name: 'x' }))).reason).toBe('not-found');
    expect((await rejection(revokeClient(store.db, unknown))).reason).toBe('not-found');
  });
});

describe('stored keys', () => {
  it('are generated once, even by concurrent first starts, then loaded as they are', async () => {
    const [a, b, c] = await Promise.all([loadKeys(store.db), loadKeys(store.db), loadKeys(store.db)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await loadKeys(store.db)).toEqual(a);
    const rows = await store.db.selectFrom('signing_key').select(['kid', 'alg']).execute();
    expect(rows.filter((r) => r.alg === SIGNING_ALG)).toHaveLength(1);
    expect(rows.filter((r) => r.alg === COOKIE_KEY_ALG)).toHaveLength(1);
    const [signing] = a.signingKeys;
    expect(signing).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(signing.d).toBeTruthy();
    expect(a.cookieKeys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuse to retire the only active signing key', async () => {
    const { signingKeys } = await loadKeys(store.db);
    await expect(retireSigningKey(store.db, signingKeys[0].kid!)).rejects.toBeInstanceOf(KeyError);
  });
});

describe('OidcPayloadAdapter', () => {
  it('stores, finds by id, uid and user code, consumes and destroys payloads of one model', async () => {
    const adapter = new OidcPayloadAdapter(store.db, 'Session');
    const other = new OidcPayloadAdapter(store.db, 'Interaction');
    await adapter.upsert('s1', { uid: 'u1', accountId: 'a1' }, 3600);
    await adapter.upsert('s1', { uid: 'u1', accountId: 'a2' }, 3600);
    expect(await adapter.find('s1')).toEqual({ uid: 'u1', accountId: 'a2' });
    expect(await adapter.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'a2' });
    expect(await other.find('s1')).toBeUndefined();

    const codes = new OidcPayloadAdapter(store.db, 'DeviceCode');
    await codes.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g1' }, 600);
    expect((await codes.findByUserCode('ABCD-EFGH'))?.grantId).toBe('g1');
    await codes.consume('d1');
    expect(typeof (await codes.find('d1'))?.consumed).toBe('number');

    await adapter.destroy('s1');
    expect(await adapter.find('s1')).toBeUndefined();
  });

  it('revokes everything issued under a grant, across models', async () => {
    const codes = new OidcPayloadAdapter(store.db, 'AuthorizationCode');
    const refresh = new OidcPayloadAdapter(store.db, 'RefreshToken');
    await codes.upsert('c1', { grantId: 'g-revoked' }, 60);
    await refresh.upsert('r1', { grantId: 'g-revoked' }, 3600);
    await refresh.upsert('r2', { grantId: 'g-kept' }, 3600);
    await refresh.revokeByGrantId('g-revoked');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await refresh.find('r2')).toEqual({ grantId: 'g-kept' });
  });

  it('never returns an expired payload, and the purge deletes it', async () => {
    const adapter = new OidcPayloadAdapter(store.db, 'Grant');
    await adapter.upsert('old', { jti: 'old' }, 60);
    await store.db
      .updateTable('oidc_payload')
      .set({ expires_at: sql<Date>`now() - interval '1 hour'` })
      .where('model', '=', 'Grant')
      .where('id', '=', 'old')
      .execute();
    expect(await adapter.find('old')).toBeUndefined();
    expect(await deleteExpiredOidcPayloads(store.db)).toBeGreaterThanOrEqual(1);
    expect(await store.db.selectFrom('oidc_payload').select('id').where('id', '=', 'old').executeTakeFirst()).toBeUndefined();
  });
});
