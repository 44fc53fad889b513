import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateLimiterFactory } from '../../src/application/ports/rate-limiter.js';
import { createRateLimiterFactory } from '../../src/infrastructure/rate-limit/create-rate-limiter.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same cases for every store rate-limiter-flexible keeps its counters in. */
const rateLimiterConformance = (
  name: string,
  setup: () => { factory: RateLimiterFactory; close(): Promise<void> },
  options: { notHere?: NotConfigured; shared?: boolean } = {},
) => {
  const suite = `rate limiter: ${name}`;
  const pending = pendingByDesign(suite, options.notHere);
  describe(suite, () => {
    let factory: RateLimiterFactory;
    let close: (() => Promise<void>) | undefined;
    before(() => {
      if (!pending) ({ factory, close } = setup());
    });
    after(() => close?.());
    const test = (title: string, body: () => Promise<void>) => (pending ? pending.add(title) : it(title, body));
    const limiter = (points: number, durationSeconds = 60) => factory({ name: `test-${randomUUID()}`, points, durationSeconds });

    test('allows the points of a window, then refuses with the seconds left', async () => {
      const limit = limiter(2, 60);
      assert.deepEqual(await limit.consume('k'), { allowed: true });
      assert.deepEqual(await limit.consume('k'), { allowed: true });
      const refused = await limit.consume('k');
      assert.ok(!refused.allowed && refused.retryAfterSeconds >= 59 && refused.retryAfterSeconds <= 60, JSON.stringify(refused));
    });

    test('counts each key apart', async () => {
      const limit = limiter(1);
      assert.equal((await limit.consume('a')).allowed, true);
      assert.equal((await limit.consume('b')).allowed, true);
      assert.equal((await limit.consume('a')).allowed, false);
    });

    test('gives a refunded point back', async () => {
      const limit = limiter(1);
      await limit.consume('k');
      await limit.refund('k');
      assert.equal((await limit.consume('k')).allowed, true);
    });

    test('allows again once the window has passed', async () => {
      const limit = limiter(1, 1);
      await limit.consume('k');
      const refused = await limit.consume('k');
      assert.ok(!refused.allowed && refused.retryAfterSeconds === 1, `refused until the 1 s window ends: ${JSON.stringify(refused)}`);
      // No fixed sleep (a busy machine stretches any): ask again until the window has ended. A refused request does
      // not extend the window, so this ends about a second after the first request.
      const deadline = Date.now() + 10_000;
      let again = await limit.consume('k');
      while (!again.allowed && Date.now() < deadline) {
        await sleep(50);
        again = await limit.consume('k');
      }
      assert.equal(again.allowed, true, `allowed again once the 1 s window has passed: ${JSON.stringify(again)}`);
    });

    if (options.shared)
      test('shares the counters between limiters of the same name (every process sees them)', async () => {
        const spec = { name: `test-${randomUUID()}`, points: 1, durationSeconds: 60 };
        assert.equal((await factory(spec).consume('k')).allowed, true);
        assert.equal((await setup().factory(spec).consume('k')).allowed, false);
      });
  });
};

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
  redisUrl ? { shared: true } : { notHere: { needs: 'REDIS_URL', reason: 'no Redis: set REDIS_URL to run against redis-server' } },
);
