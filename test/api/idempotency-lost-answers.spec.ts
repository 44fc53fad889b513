import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';
import { hasRedisServer, OwnRedis } from '../support/redis-server.js';
import { type Answer, type CallOptions, httpClient, isProblem, uniqueEmail } from './api-client.js';

/**
 * A request applied whose answer was never kept: the process was killed between the append and storing the answer
 * (its claim's lease has run out since), or Redis lost the keys. The client sends it again under its Idempotency-Key:
 * the event store, not the idempotency store, says it was applied, so it is answered as the first and appends nothing.
 */
interface Profile {
  name: string;
  notHere?: NotConfigured;
  /** Starts a platform, and answers how to make it forget every answer it kept. */
  start(): Promise<Rig>;
}

interface Rig {
  platform(): TestPlatform;
  /** Leaves the idempotency store as a lost answer leaves it. */
  forget(): Promise<void>;
  stop(): Promise<void>;
}

const embedded: Profile = {
  name: 'embedded (edge.sqlite), the process killed before it stored the answer',
  async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-lost-answers-'));
    const env = { EVENTSTORE_URL: '', DATA_DIR: dataDir };
    let platform = await startTestPlatform(env);
    return {
      platform: () => platform,
      async forget() {
        // A fresh process (nothing cached), and every key as a killed request leaves it once its lease has run out.
        await platform.stop();
        const db = new Database(join(dataDir, 'edge.sqlite'));
        db.prepare('UPDATE idempotency_keys SET response = NULL, expires_at = 0').run();
        db.close();
        platform = await startTestPlatform(env);
      },
      async stop() {
        await platform.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const redisLost: Profile = {
  name: 'Redis, which lost the keys while the server kept serving',
  ...(process.env.REDIS_URL && hasRedisServer() ? {} : { notHere: { needs: 'REDIS_URL', reason: 'no redis-server here: CI installs it and sets REDIS_URL' } }),
  async start() {
    const redis = await OwnRedis.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-lost-answers-'));
    const platform = await startTestPlatform({ EVENTSTORE_URL: '', DATA_DIR: dataDir, REDIS_URL: redis.url, SAGA_QUEUE: `lost-answers-${redis.port}` });
    return {
      platform: () => platform,
      async forget() {
        const dropKeys = "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end return 0";
        const run = spawnSync('redis-cli', ['-p', String(redis.port), 'EVAL', dropKeys, '0', 'ledgerflow:idempotency:*'], { encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
      },
      async stop() {
        await platform.stop();
        redis.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const CASES = [
  'registering a user',
  'creating a product',
  'adjusting stock',
  'placing an order',
  'cancelling an order',
  'creating a market',
  'taking a position',
  'closing a market',
  'another body under the key of a lost answer is 422 and appends nothing: a create and an append',
];

for (const profile of [embedded, redisLost]) {
  const suite = `API: a request applied whose answer was lost is not applied again (${profile.name})`;
  const pending = pendingByDesign(suite, profile.notHere);
  if (pending) {
    for (const title of CASES) pending.add(title);
    continue;
  }

  describe(suite, function () {
    this.timeout(60_000);
    let rig: Rig;
    let admin: string;
    let ada: Customer;

    before(async () => {
      rig = await profile.start();
      admin = await rig.platform().adminToken();
      ada = await rig.platform().registerCustomer('Ada');
    });
    after(() => rig.stop());

    const call = (method: string, path: string, options: CallOptions = {}) => httpClient(rig.platform().url)(method, path, options);
    const keyed = (key: string, token?: string) => ({ token, headers: { 'Idempotency-Key': key } });

    /** How many events of this type the streams starting with `streamPrefix` hold. */
    const eventsOf = async (type: string, streamPrefix: string): Promise<number> => {
      let count = 0;
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ type, streamPrefix, limit: '100', ...(cursor === null ? {} : { cursor }) });
        const page = await call('GET', `/api/v1/events?${query}`, { token: admin });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        count += page.body.items.length;
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return count;
    };

    /** Sends the request, loses its answer, sends it again: the same answer, a replay, and no second event of `type`. */
    const sentAgainAfterLoss = async (send: () => Promise<Answer>, type: string, streamPrefix: string): Promise<Answer> => {
      const first = await send();
      assert.ok(first.status >= 200 && first.status < 300, JSON.stringify(first.body));
      const recorded = await eventsOf(type, streamPrefix);
      await rig.forget();
      const again = await send();
      assert.equal(again.status, first.status, JSON.stringify(again.body));
      assert.deepEqual(again.body, first.body);
      for (const header of ['Location', 'ETag', 'X-Position']) assert.equal(again.headers.get(header), first.headers.get(header), header);
      assert.equal(again.headers.get('Idempotent-Replayed'), 'true');
      assert.equal(await eventsOf(type, streamPrefix), recorded, `no second ${type}`);
      return first;
    };

    const newProduct = async (stock = 10) => {
      const created = await call('POST', '/api/v1/products', {
        token: admin,
        body: { sku: `LOST-${randomUUID().slice(0, 8)}`, name: 'Teapot', price: { amount: 1500, currency: 'EUR' }, initialStock: stock },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const newMarket = async () => {
      const body = { question: 'Will it rain?', outcomes: ['yes', 'no'], closesAt: new Date(Date.now() + 3_600_000).toISOString() };
      const created = await call('POST', '/api/v1/markets', { token: admin, body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const placeOrder = (productId: string, key: string, quantity = 1) =>
      call('POST', '/api/v1/orders', { ...keyed(key, ada.token), body: { items: [{ productId, quantity }], paymentToken: 'tok_visa' } });

    it('registering a user', async () => {
      const body = { email: uniqueEmail('lost'), password: 'a-long-password', name: 'Lost Answer' };
      const key = `register-${randomUUID()}`;
      const send = () => call('POST', '/api/v1/users', { body, headers: { 'Idempotency-Key': key, 'X-Forwarded-For': '203.0.113.40' } });
      const first = await sentAgainAfterLoss(send, 'UserRegistered', 'user-');
      const signIn = await call('POST', '/api/v1/auth/token', { body: { email: body.email, password: body.password } });
      assert.equal(signIn.status, 200, `the user the first attempt registered signs in: ${JSON.stringify(signIn.body)}`);
      assert.ok(first.body.id);
    });

    it('creating a product', async () => {
      const key = `product-${randomUUID()}`;
      const body = { sku: `LOST-${randomUUID().slice(0, 8)}`, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, initialStock: 3 };
      await sentAgainAfterLoss(() => call('POST', '/api/v1/products', { ...keyed(key, admin), body }), 'ProductCreated', 'product-');
    });

    it('adjusting stock', async () => {
      const productId = await newProduct();
      const key = `adjust-${randomUUID()}`;
      const send = () => call('POST', `/api/v1/products/${productId}/stock-adjustments`, { ...keyed(key, admin), body: { delta: 5, reason: 'delivery' } });
      const first = await sentAgainAfterLoss(send, 'StockAdjusted', `product-${productId}`);
      assert.equal(first.body.stock.onHand, 15);
      const product = await call('GET', `/api/v1/products/${productId}`, { headers: { 'X-Min-Position': first.headers.get('X-Position')! } });
      assert.equal(product.body.stock.onHand, 15, 'the stock was adjusted once');
    });

    it('placing an order', async () => {
      const productId = await newProduct();
      const key = `order-${randomUUID()}`;
      const first = await sentAgainAfterLoss(() => placeOrder(productId, key), 'OrderPlaced', 'order-');
      const [placed] = (await call('GET', `/api/v1/streams/order-${first.body.id}?limit=1`, { token: admin })).body.items;
      assert.equal(typeof placed.metadata.idempotencyKey, 'string', 'the event records the request');
      assert.equal(placed.metadata.requestFingerprint, '[redacted]', 'the fingerprint of a body with a payment token is not shown');
    });

    it('cancelling an order', async () => {
      const productId = await newProduct();
      const placed = await placeOrder(productId, `order-${randomUUID()}`);
      assert.equal(placed.status, 202, JSON.stringify(placed.body));
      const key = `cancel-${randomUUID()}`;
      const send = () => call('POST', `/api/v1/orders/${placed.body.id}/cancel`, { ...keyed(key, ada.token), body: {} });
      const first = await sentAgainAfterLoss(send, 'OrderCancelled', `order-${placed.body.id}`);
      assert.equal(first.body.status, 'cancelled');
    });

    it('creating a market', async () => {
      const key = `market-${randomUUID()}`;
      const body = { question: 'Will it snow?', outcomes: ['yes', 'no'], closesAt: new Date(Date.now() + 3_600_000).toISOString() };
      await sentAgainAfterLoss(() => call('POST', '/api/v1/markets', { ...keyed(key, admin), body }), 'MarketCreated', 'market-');
    });

    it('taking a position', async () => {
      const marketId = await newMarket();
      const key = `position-${randomUUID()}`;
      const send = () => call('POST', `/api/v1/markets/${marketId}/positions`, { ...keyed(key, ada.token), body: { outcome: 'yes', stake: 40 } });
      await sentAgainAfterLoss(send, 'PositionPlaced', `market-${marketId}`);
    });

    it('closing a market', async () => {
      const marketId = await newMarket();
      const key = `close-${randomUUID()}`;
      await sentAgainAfterLoss(() => call('POST', `/api/v1/markets/${marketId}/close`, { ...keyed(key, admin), body: {} }), 'MarketClosed', `market-${marketId}`);
    });

    it('another body under the key of a lost answer is 422 and appends nothing: a create and an append', async () => {
      const productId = await newProduct();
      const orderKey = `order-${randomUUID()}`;
      const adjustKey = `adjust-${randomUUID()}`;
      const adjust = (delta: number) =>
        call('POST', `/api/v1/products/${productId}/stock-adjustments`, { ...keyed(adjustKey, admin), body: { delta, reason: 'delivery' } });
      assert.equal((await placeOrder(productId, orderKey, 1)).status, 202);
      assert.equal((await adjust(5)).status, 200);
      const [orders, adjustments] = [await eventsOf('OrderPlaced', 'order-'), await eventsOf('StockAdjusted', `product-${productId}`)];
      await rig.forget();
      isProblem(await placeOrder(productId, orderKey, 2), 422);
      isProblem(await adjust(6), 422);
      assert.equal(await eventsOf('OrderPlaced', 'order-'), orders);
      assert.equal(await eventsOf('StockAdjusted', `product-${productId}`), adjustments);
    });
  });
}
