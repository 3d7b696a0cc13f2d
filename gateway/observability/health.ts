// Liveness (the process answers) and readiness (the store and, when configured, Redis answer).
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';
import { storeReachable } from '../store/db.js';
import type { Database } from '../store/tables.js';

async function redisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await Promise.race([redis.ping(), new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref())])) === 'PONG';
  } catch {
    return false;
  }
}

export function healthRoutes(db: Kysely<Database>, redis: Redis | undefined, isClosing: () => boolean): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const [store, cache] = await Promise.all([storeReachable(db), redis ? redisReachable(redis) : Promise.resolve(undefined)]);
    const checks = { store: store ? 'ok' : 'unreachable', redis: cache === undefined ? 'not-configured' : cache ? 'ok' : 'unreachable' };
    if (isClosing()) throw new GatewayError('shutting-down', 'the gateway is shutting down');
    if (!store || cache === false) {
      const down = Object.entries(checks).filter(([, v]) => v === 'unreachable').map(([k]) => k);
      throw new GatewayError('not-ready', `unreachable: ${down.join(', ')}`);
    }
    res.json({ status: 'ready', checks });
  });
  return router;
}
