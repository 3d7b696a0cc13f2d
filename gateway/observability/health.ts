// Liveness (the process answers) and readiness (the store and, when configured, Redis answer). A read replica is
// reported but does not decide readiness: while it does not answer, reads go to the primary.
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';
import { storeReachable } from '../store/db.js';
import type { ReadSide } from '../store/read-side.js';
import type { Database } from '../store/tables.js';

async function redisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await Promise.race([redis.ping(), new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref())])) === 'PONG';
  } catch {
    return false;
  }
}

export function healthRoutes(db: Kysely<Database>, redis: Redis | undefined, isClosing: () => boolean, reads?: ReadSide): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const [store, cache, replica] = await Promise.all([
      storeReachable(db), redis ? redisReachable(redis) : Promise.resolve(undefined), reads?.replicaStatus(),
    ]);
    const checks = {
      store: store ? 'ok' : 'unreachable',
      redis: cache === undefined ? 'not-configured' : cache ? 'ok' : 'unreachable',
      readReplica: replica === undefined ? 'not-configured' : replica.reachable ? 'ok' : 'unreachable',
    };
    if (isClosing()) throw new GatewayError('shutting-down', 'the gateway is shutting down');
    if (!store || cache === false) {
      const down = (['store', 'redis'] as const).filter((k) => checks[k] === 'unreachable');
      throw new GatewayError('not-ready', `unreachable: ${down.join(', ')}`);
    }
    res.json({ status: 'ready', checks });
  });
  return router;
}
