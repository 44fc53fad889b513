import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateLimiterFactory } from '../../src/application/ports/rate-limiter.js';
import { createRateLimiterFactory } from '../../src/infrastructure/rate-limit/create-rate-limiter.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same cases for every store rate-limiter-flexible keeps its counters in. */
const rateLimiterConformance = (name: string, setup: () => { factory: RateLimiterFactory; close(): Promise<void> }, options: { pendingReason?: string; shared?: boolean } = {}) =>
  describe(`rate limiter: ${name}`, function () {
    let factory: RateLimiterFactory;
    let close: () => Promise<void>;
    before(function () {
      if (options.pendingReason) return this.skip();
      ({ factory, close } = setup());
    });
    after(() => close?.());
    if (options.pendingReason) it(`(pending: ${options.pendingReason})`);
    const limiter = (points: number, durationSeconds = 60) => factory({ name: `test-${randomUUID()}`, points, durationSeconds });

    it('allows the points of a window, then refuses with the seconds left', async () => {
      const limit = limiter(2, 60);
      assert.deepEqual(await limit.consume('k'), { allowed: true });
      assert.deepEqual(await limit.consume('k'), { allowed: true });
      const refused = await limit.consume('k');
      assert.ok(!refused.allowed && refused.retryAfterSeconds >= 59 && refused.retryAfterSeconds <= 60, JSON.stringify(refused));
    });

    it('counts each key apart', async () => {
      const limit = limiter(1);
      assert.equal((await limit.consume('a')).allowed, true);
      assert.equal((await limit.consume('b')).allowed, true);
      assert.equal((await limit.consume('a')).allowed, false);
    });

    it('gives a refunded point back', async () => {
      const limit = limiter(1);
      await limit.consume('k');
      await limit.refund('k');
      assert.equal((await limit.consume('k')).allowed, true);
    });

    it('allows again once the window has passed', async () => {
      const limit = limiter(1, 1);
      await limit.consume('k');
      assert.equal((await limit.consume('k')).allowed, false);
      await sleep(1_100);
      assert.equal((await limit.consume('k')).allowed, true);
    });

    if (options.shared)
      it('shares the counters between limiters of the same name (every process sees them)', async () => {
        const spec = { name: `test-${randomUUID()}`, points: 1, durationSeconds: 60 };
        assert.equal((await factory(spec).consume('k')).allowed, true);
        assert.equal((await setup().factory(spec).consume('k')).allowed, false);
      });
  });

rateLimiterConformance('memory', () => ({ factory: createRateLimiterFactory({}, () => assert.fail('no Redis without REDIS_URL')), close: async () => {} }));

const redisUrl = process.env.REDIS_URL;
const clients: Redis[] = [];
rateLimiterConformance(
  'redis',
  () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 2 });
    clients.push(redis);
    return { factory: createRateLimiterFactory({ REDIS_URL: redisUrl }, () => redis), close: async () => void (await Promise.all(clients.map((client) => client.quit()))) };
  },
  redisUrl ? { shared: true } : { pendingReason: 'set REDIS_URL to run against redis-server' },
);
