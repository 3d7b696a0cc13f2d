// oidc-provider's short-lived state in a real Redis: replaced whole, consumed (a replayed code is seen), taken
// once, found by uid, revoked with its grant, and gone when it expires.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisPayloadAdapter } from '../../gateway/auth/redis-adapter.js';
import { TEST_REDIS_URL } from '../support/database.js';

let redis: Redis;
const prefix = `t_redis_adapter_${randomUUID().slice(0, 8)}`;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it('keeps, consumes, takes, finds by uid and revokes by grant', async () => {
  const codes = new RedisPayloadAdapter(redis, prefix, 'AuthorizationCode');
  const tokens = new RedisPayloadAdapter(redis, prefix, 'AccessToken');
  const sessions = new RedisPayloadAdapter(redis, prefix, 'Session');
  await codes.upsert('c1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
  await tokens.upsert('t1', { grantId: 'g1', kind: 'AccessToken' }, 3600);
  await sessions.upsert('s1', { uid: 'u1', kind: 'Session' }, 60);

  expect(await codes.find('c1')).toEqual({ grantId: 'g1', kind: 'AuthorizationCode' });
  await codes.consume('c1');
  expect((await codes.find('c1'))?.consumed).toEqual(expect.any(Number));
  await codes.consume('missing');
  expect(await redis.exists(`${prefix}:oidc:AuthorizationCode:missing`)).toBe(0);
  await codes.upsert('c1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
  expect((await codes.find('c1'))?.consumed).toBeUndefined();

  expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', kind: 'Session' });
  expect(await redis.ttl(`${prefix}:oidc:grant:g1`)).toBeGreaterThan(60);

  await tokens.revokeByGrantId('g1');
  expect(await codes.find('c1')).toBeUndefined();
  expect(await tokens.find('t1')).toBeUndefined();

  const steps = new RedisPayloadAdapter(redis, prefix, 'SsoUpstreamLogin');
  await steps.upsert('state', { uid: 'x' }, 60);
  const [a, b] = await Promise.all([steps.take('state'), steps.take('state')]);
  expect([a, b].filter(Boolean)).toEqual([{ uid: 'x' }]);

  await sessions.upsert('s2', { kind: 'Session' }, 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await sessions.find('s2')).toBeUndefined();
});
