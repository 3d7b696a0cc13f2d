// oidc-provider's storage: one kysely adapter over table `oidc_payload` for every model it persists (grants,
// codes, sessions, interactions, replay detection…), the short-lived ones in Redis instead when the gateway has
// one (redis-adapter.ts), and the `Client` model read from `api_client`, which the gateway manages itself (see
// clients.ts). Works the same on PostgreSQL and on embedded PGlite.
import type { Redis } from 'ioredis';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { Kysely } from 'kysely';
import {
  consumeOidcPayload, deleteOidcPayload, deleteOidcPayloadsOfGrant, findOidcPayload, takeOidcPayload, upsertOidcPayload,
} from '../store/oidc-payloads.js';
import { RedisPayloadAdapter, SHORT_LIVED_MODELS } from './redis-adapter.js';
import type { ApiClient, Database } from '../store/tables.js';
import { findActiveClientRow } from '../store/api-clients.js';

/** An adapter that can also take a payload: find and remove it at once, so that of two takers one only gets it. */
export interface PayloadStore extends Adapter {
  take(id: string): Promise<AdapterPayload | undefined>;
}

/** Stores one oidc-provider model's payloads in `oidc_payload`; expired rows are never returned. */
export class OidcPayloadAdapter implements PayloadStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null;
    await upsertOidcPayload(this.db, {
      model: this.model,
      id,
      payload,
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expires_at: expiresAt,
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  async consume(id: string): Promise<void> {
    await consumeOidcPayload(this.db, this.model, id);
  }

  async take(id: string): Promise<AdapterPayload | undefined> {
    return (await takeOidcPayload(this.db, this.model, id)) as AdapterPayload | undefined;
  }

  async destroy(id: string): Promise<void> {
    await deleteOidcPayload(this.db, this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await deleteOidcPayloadsOfGrant(this.db, grantId);
  }

  private async findWhere(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    const row = await findOidcPayload(this.db, this.model, column, value);
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    // oidc-provider reads `consumed` (epoch seconds) to detect a replayed authorization code.
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }
}

/**
 * oidc-provider's metadata for an API client. `client_secret` carries the stored salted hash, never a clear
 * secret: the authorization server replaces `compareClientSecret` to verify against it, and allows no
 * algorithm (HS*, client_secret_jwt, symmetric encryption) that would use the secret as a key.
 */
export function clientMetadata(row: ApiClient): AdapterPayload {
  const credentials = row.auth_method === 'private_key_jwt'
    ? { jwks: row.jwks as AdapterPayload['jwks'] }
    : { client_secret: row.secret_hash ?? undefined };
  if (row.kind === 'relying-party') {
    return {
      client_id: row.client_id,
      client_name: row.name,
      grant_types: ['authorization_code', ...(row.refresh_tokens ? ['refresh_token'] : [])],
      response_types: ['code'],
      redirect_uris: row.redirect_uris,
      post_logout_redirect_uris: row.post_logout_redirect_uris,
      ...(row.backchannel_logout_uri ? { backchannel_logout_uri: row.backchannel_logout_uri, backchannel_logout_session_required: true } : {}),
      subject_type: 'pairwise',
      token_endpoint_auth_method: row.auth_method,
      scope: row.scopes.join(' '),
      perimeter: row.perimeter,
      all_roles: row.all_roles,
      ...credentials,
    };
  }
  return {
    client_id: row.client_id,
    client_name: row.name,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: row.auth_method,
    scope: row.scopes.join(' '),
    ...credentials,
  };
}

/**
 * Reads clients from `api_client`; a revoked or unknown client is not found. oidc-provider never writes clients
 * here. A login reads its relying party at each of its requests: a relying party's metadata is reused for
 * RELYING_PARTY_CACHE_MS (its revocation or change shows within it); an API client's is read each time.
 */
export class ApiClientAdapter implements Adapter {
  readonly #relyingParties = new Map<string, { until: number; metadata: AdapterPayload }>();

  constructor(private readonly db: Kysely<Database>) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    const now = Date.now();
    const cached = this.#relyingParties.get(id);
    if (cached && cached.until > now) return cached.metadata;
    const row = await findActiveClientRow(this.db, id);
    if (!row) {
      this.#relyingParties.delete(id);
      return undefined;
    }
    const metadata = clientMetadata(row);
    if (row.kind === 'relying-party') {
      if (this.#relyingParties.size >= MAX_CACHED_RELYING_PARTIES) this.#relyingParties.clear();
      this.#relyingParties.set(id, { until: now + RELYING_PARTY_CACHE_MS, metadata });
    }
    return metadata;
  }

  async upsert(): Promise<void> {
    throw new Error('API clients are managed with `passerelle clients`, not through the authorization server');
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async destroy(): Promise<void> {
    throw new Error('API clients are managed with `passerelle clients`, not through the authorization server');
  }

  async revokeByGrantId(): Promise<void> {}
}

const RELYING_PARTY_CACHE_MS = 2_000;
const MAX_CACHED_RELYING_PARTIES = 10_000;

/** Where each model's payloads are kept: Redis (under `prefix`) for the short-lived ones when there is one. */
export function payloadStore(db: Kysely<Database>, redis: { client: Redis; prefix: string } | undefined, model: string): PayloadStore {
  return redis && SHORT_LIVED_MODELS.has(model) ? new RedisPayloadAdapter(redis.client, redis.prefix, model) : new OidcPayloadAdapter(db, model);
}

/** The factory given to oidc-provider's `adapter` option: one client adapter, so its cache serves every request. */
export function createAdapterFactory(db: Kysely<Database>, redis?: { client: Redis; prefix: string }): AdapterFactory {
  const clients = new ApiClientAdapter(db);
  return (model: string) => (model === 'Client' ? clients : payloadStore(db, redis, model));
}
