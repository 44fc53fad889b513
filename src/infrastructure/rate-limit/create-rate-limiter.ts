import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter, RateLimiterFactory } from '../../application/ports/rate-limiter.js';
import type { Config } from '../config/config.js';

/** Keys are hashed: counters keyed by email or address keep no personal data in Redis. */
const hashed = (key: string) => createHash('sha256').update(key).digest('base64url');

/** The port over rate-limiter-flexible, whose limiters share one API whatever keeps the counters. */
export class FlexibleRateLimiter implements RateLimiter {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  async consume(key: string): Promise<RateLimitDecision> {
    try {
      await this.limiter.consume(hashed(key));
      return { allowed: true };
    } catch (rejection) {
      // A refusal is a RateLimiterRes; anything else is the store failing (without an insurance limiter).
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  }

  async refund(key: string): Promise<void> {
    await this.limiter.reward(hashed(key));
  }
}

/**
 * REDIS_URL set: counters in Redis (shared by every process), with an in-memory limiter as insurance while Redis
 * is unreachable; unset: counters in this process. `redis` is called only when REDIS_URL is set.
 */
export const createRateLimiterFactory =
  (config: Pick<Config, 'REDIS_URL'>, redis: () => Redis): RateLimiterFactory =>
  ({ name, points, durationSeconds }) => {
    const options = { keyPrefix: `ledgerflow:rl:${name}`, points, duration: durationSeconds };
    if (!config.REDIS_URL) return new FlexibleRateLimiter(new RateLimiterMemory(options));
    return new FlexibleRateLimiter(new RateLimiterRedis({ ...options, storeClient: redis(), insuranceLimiter: new RateLimiterMemory(options) }));
  };
