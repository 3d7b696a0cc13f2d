// Per-client rate limits on the API: each client has RATE_LIMIT_PER_MINUTE requests a minute, counted in Redis
// when the gateway has one, so that every replica draws on the same allowance (rate-limiter-flexible), or in
// this process otherwise (the embedded default: one process). Over it, a 429 problem with Retry-After.
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { GatewayError } from '../errors/gateway-error.js';
import type { Caller } from '../auth/scopes.js';

export interface RateLimitOptions {
  /** Requests a client may make per minute; 0: no limit. */
  readonly perMinute: number;
  readonly redis?: { client: Redis; prefix: string };
  /** Told of each refusal (metrics). */
  readonly onRefused?: (clientId: string) => void;
}

export class RateLimitedProblem extends GatewayError {
  constructor(retryAfterSeconds: number) {
    super('rate-limited', `too many requests from this client: try again in ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** Counts each request against its client's allowance; mount after the bearer check, which names the client. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  if (options.perMinute <= 0) return (_req, _res, next) => next();
  const limiter = limiterFor(options);
  return (_req, res, next) => {
    const caller = res.locals.caller as Caller | undefined;
    if (!caller) {
      next();
      return;
    }
    limiter.consume(caller.clientId).then(
      () => next(),
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) {
          next(refusal);
          return;
        }
        options.onRefused?.(caller.clientId);
        next(new RateLimitedProblem(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
      },
    );
  };
}

function limiterFor(options: RateLimitOptions): RateLimiterAbstract {
  const window = { points: options.perMinute, duration: 60 };
  if (!options.redis) return new RateLimiterMemory({ ...window, keyPrefix: 'rate' });
  return new RateLimiterRedis({
    ...window,
    storeClient: options.redis.client,
    keyPrefix: `${options.redis.prefix}:rate`,
    // Redis unreachable: each replica counts on its own rather than refusing every request or none.
    insuranceLimiter: new RateLimiterMemory({ ...window, keyPrefix: 'rate-insurance' }),
  });
}
