// oidc-provider's short-lived state in Redis (when the gateway has one): sessions, interactions, authorization
// codes, access tokens, replay detection, and SSO's own steps of a login. A login writes a dozen of these and
// reads as many; in PostgreSQL each write is a commit (a WAL flush) for data that lives minutes. Grants and refresh
// tokens, which must outlive a Redis restart, stay in PostgreSQL (adapter.ts).
//
// One hash per payload (`payload`, and `consumed` once consumed), expiring with it; secondary keys for the
// look-ups by uid and user code; one list per grant naming the keys issued under it, for revocation.
import type { Redis } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import type { PayloadStore } from './adapter.js';

/** The models kept in Redis when there is one. */
export const SHORT_LIVED_MODELS: ReadonlySet<string> = new Set([
  'Session', 'Interaction', 'AuthorizationCode', 'AccessToken', 'ReplayDetection', 'PushedAuthorizationRequest',
  'SsoUpstreamLogin', 'SsoLoginResult',
]);

export class RedisPayloadAdapter implements PayloadStore {
  constructor(
    private readonly redis: Redis,
    /** Keys start with it: one deployment (or test) per prefix on a shared Redis. */
    private readonly prefix: string,
    readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const ttl = typeof expiresIn === 'number' && expiresIn > 0 ? Math.ceil(expiresIn) : undefined;
    // The whole payload is replaced, consumption included, as the PostgreSQL adapter does.
    const multi = this.redis.multi().del(key).hset(key, 'payload', JSON.stringify(payload));
    if (ttl) multi.expire(key, ttl);
    if (payload.grantId) {
      const grant = this.#grantKey(payload.grantId);
      multi.rpush(grant, key);
      // A grant's list lives as long as the longest-lived payload issued under it.
      if (ttl) multi.expire(grant, ttl, 'GT').expire(grant, ttl, 'NX');
    }
    for (const [kind, value] of [['uid', payload.uid], ['userCode', payload.userCode]] as const) {
      if (typeof value !== 'string') continue;
      if (ttl) multi.set(this.#lookupKey(kind, value), id, 'EX', ttl);
      else multi.set(this.#lookupKey(kind, value), id);
    }
    await multi.exec();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = await this.redis.hgetall(this.#key(id));
    if (!stored.payload) return undefined;
    const payload = JSON.parse(stored.payload) as AdapterPayload;
    // oidc-provider reads `consumed` (epoch seconds) to detect a replayed authorization code.
    return stored.consumed ? { ...payload, consumed: Number(stored.consumed) } : payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(this.#lookupKey('uid', uid));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(this.#lookupKey('userCode', userCode));
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const key = this.#key(id);
    // Only an existing payload is marked: HSET on a missing key would make one without expiry.
    await this.redis.eval(CONSUME, 1, key, String(Math.floor(Date.now() / 1000)));
  }

  async take(id: string): Promise<AdapterPayload | undefined> {
    const key = this.#key(id);
    const [[, stored]] = (await this.redis.multi().hgetall(key).del(key).exec()) as [[Error | null, Record<string, string>], unknown];
    return stored?.payload ? (JSON.parse(stored.payload) as AdapterPayload) : undefined;
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grant = this.#grantKey(grantId);
    const keys = await this.redis.lrange(grant, 0, -1);
    await this.redis.del(grant, ...keys);
  }

  #key(id: string): string {
    return `${this.prefix}:oidc:${this.model}:${id}`;
  }

  #grantKey(grantId: string): string {
    return `${this.prefix}:oidc:grant:${grantId}`;
  }

  #lookupKey(kind: 'uid' | 'userCode', value: string): string {
    return `${this.prefix}:oidc:${this.model}:${kind}:${value}`;
  }
}

const CONSUME = "if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'consumed', ARGV[1]) end";
