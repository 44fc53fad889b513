import assert from 'node:assert/strict';
import { isProblem } from './api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { hasRedisServer, OwnRedis } from '../support/redis-server.js';

const title = 'Redis down: requests that need it answer 503 with Retry-After, not 500';
const product = (sku: string) => ({ sku, name: 'Mug', price: { amount: 100, currency: 'EUR' }, initialStock: 1 });

if (!process.env.REDIS_URL || !hasRedisServer()) {
  const pending = pendingByDesign(title, { needs: 'REDIS_URL', reason: 'no redis-server here: CI installs it and sets REDIS_URL' })!;
  pending.add('a command under an Idempotency-Key (the keys live in Redis)');
  pending.add('serves again once Redis is back');
} else {
  describe(title, function () {
    this.timeout(60_000);
    let redis: OwnRedis;
    let platform: TestPlatform;
    let admin: string;

    before(async () => {
      redis = await OwnRedis.start();
      platform = await startTestPlatform({ REDIS_URL: redis.url, SAGA_QUEUE: `dependency-down-${redis.port}` });
      admin = await platform.adminToken();
      redis.stop();
    });
    after(async () => {
      await redis.restart();
      await platform.stop();
      redis.stop();
    });

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as any };
    };

    it('a command under an Idempotency-Key (the keys live in Redis)', async () => {
      const answer = await post('/api/v1/products', product('DOWN-1'), { authorization: `Bearer ${admin}`, 'idempotency-key': 'down-1' });
      isProblem(answer, 503);
      assert.ok(Number(answer.headers.get('retry-after')) > 0);
    });

    it('serves again once Redis is back', async () => {
      await redis.restart();
      let answer = await post('/api/v1/products', product('DOWN-2'), { authorization: `Bearer ${admin}`, 'idempotency-key': 'down-2' });
      for (let tries = 0; answer.status === 503 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await post('/api/v1/products', product('DOWN-2'), { authorization: `Bearer ${admin}`, 'idempotency-key': 'down-2' });
      }
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
    });
  });
}
