import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startPlatform } from '../../src/infrastructure/platform.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { TEST_ADMIN } from '../support/http-platform.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { type Answer, httpClient } from './api-client.js';

const mongoUrl = process.env.MONGODB_URL;
const title = 'platform with MongoDB read models (events in SQLite) answers as the embedded profile does';

/** The same database server, another database: `mongodb://host:port/` + name. */
const withDatabase = (url: string, name: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

if (!mongoUrl) {
  pendingByDesign(title, { needs: 'MONGODB_URL', reason: 'no MongoDB server: set MONGODB_URL (e.g. from .ci/start-ferretdb.sh) to run' })!.add(
    'creates, orders, rebuilds and answers as the embedded profile',
  );
} else {
  describe(title, function () {
    this.timeout(60_000);
    const database = `ledgerflow_spec_${randomUUID().replaceAll('-', '')}`;
    let dataDir: string;

    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-mongo-profile-'));
    });
    after(async () => {
      const client = await MongoClient.connect(mongoUrl);
      await client.db(database).dropDatabase();
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const boot = (mongo: boolean) =>
      startPlatform({
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'silent',
        ADMIN_EMAIL: TEST_ADMIN.email,
        ADMIN_PASSWORD: TEST_ADMIN.password,
        ...(mongo ? { MONGODB_URL: withDatabase(mongoUrl, database) } : {}),
      });

    /** Every GET a client would make, answered once the read models have seen `position`. */
    const snapshot = async (url: string, ids: Record<string, string>, customerToken: string, position: string) => {
      const call = httpClient(url);
      const admin = (await call('POST', '/api/v1/auth/token', { body: TEST_ADMIN })).body.accessToken as string;
      const headers = { 'X-Min-Position': position };
      const get = async (path: string, token?: string): Promise<unknown> => {
        const answer: Answer = await call('GET', path, { token, headers });
        assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
        return answer.body;
      };
      return {
        product: await get(`/api/v1/products/${ids.product}`),
        products: await get('/api/v1/products?q=mug'),
        order: await get(`/api/v1/orders/${ids.order}`, customerToken),
        orders: await get('/api/v1/orders', admin),
        market: await get(`/api/v1/markets/${ids.market}`),
        markets: await get('/api/v1/markets?status=resolved'),
        positions: await get(`/api/v1/markets/${ids.market}/positions/me`, customerToken),
        me: await get('/api/v1/users/me', customerToken),
      };
    };

    it('creates, orders, rebuilds and answers as the embedded profile', async () => {
      const withMongo = await boot(true);
      const call = httpClient(withMongo.url);
      const admin = (await call('POST', '/api/v1/auth/token', { body: TEST_ADMIN })).body.accessToken as string;
      const product = await call('POST', '/api/v1/products', {
        token: admin,
        body: { sku: 'MUG-MONGO', name: 'Mug', price: { amount: 1250, currency: 'EUR' }, initialStock: 10 },
      });
      await call('POST', '/api/v1/users', { body: { email: 'ada@example.com', password: 'customer-password', name: 'Ada' } });
      const customer = (await call('POST', '/api/v1/auth/token', { body: { email: 'ada@example.com', password: 'customer-password' } })).body
        .accessToken as string;
      const order = await call('POST', '/api/v1/orders', {
        token: customer,
        body: { items: [{ productId: product.body.id, quantity: 2 }], paymentToken: 'tok_visa' },
      });
      const market = await call('POST', '/api/v1/markets', {
        token: admin,
        body: { question: 'Rain?', outcomes: ['yes', 'no'], closesAt: '2099-01-01T00:00:00Z' },
      });
      await call('POST', `/api/v1/markets/${market.body.id}/positions`, { token: customer, body: { outcome: 'yes', stake: 40 } });
      await call('POST', `/api/v1/markets/${market.body.id}/positions`, { token: admin, body: { outcome: 'no', stake: 60 } });
      const resolved = await call('POST', `/api/v1/markets/${market.body.id}/resolve`, { token: admin, body: { winningOutcome: 'yes' } });
      assert.deepEqual([product.status, order.status, market.status, resolved.status], [201, 202, 201, 200]);
      const ids = { product: product.body.id, order: order.body.id, market: market.body.id };
      // The sagas (order fulfilment, market settlement) go on appending after the last command: wait until both have
      // completed, then read every snapshot at the position of a later write, so that all see the same history.
      const settled = Date.now() + 30_000;
      for (const id of [ids.order, ids.market]) {
        for (;;) {
          const saga = await call('GET', `/api/v1/sagas/${id}`, { token: admin, headers: { 'X-Min-Position': resolved.headers.get('X-Position')! } });
          if (saga.status === 200 && saga.body.status !== 'running') {
            assert.equal(saga.body.status, 'completed', JSON.stringify(saga.body));
            break;
          }
          assert.ok(Date.now() < settled, `saga ${id} still running: ${saga.status} ${JSON.stringify(saga.body)}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const fence = await call('POST', '/api/v1/products', {
        token: admin,
        body: { sku: 'FENCE-MONGO', name: 'Fence', price: { amount: 100, currency: 'EUR' }, initialStock: 0 },
      });
      assert.equal(fence.status, 201);
      const position = fence.headers.get('X-Position')!;
      const live = await snapshot(withMongo.url, ids, customer, position);

      // Rebuild every read model, and wait until a new generation of each has been swapped in (read from MongoDB
      // itself) and the projections are live again: only then do the answers come from the rebuilt data.
      const names = ['users', 'products', 'orders', 'markets'];
      const readModels = await MongoReadStore.connect(withDatabase(mongoUrl, database));
      try {
        const before = new Map<string, number>();
        for (const name of names) before.set(name, await readModels.activeGeneration(name));
        for (const name of names) assert.equal((await call('POST', `/api/v1/projections/${name}/rebuild`, { token: admin })).status, 202);
        const deadline = Date.now() + 45_000;
        for (;;) {
          const generations = await Promise.all(names.map((name) => readModels.activeGeneration(name)));
          const { items } = (await call('GET', '/api/v1/projections', { token: admin })).body as { items: { name: string; status: string; lag: string }[] };
          const swapped = names.every((name, index) => generations[index] === before.get(name)! + 1);
          if (swapped && items.every((item) => item.status === 'live' && item.lag === '0')) break;
          assert.ok(
            Date.now() < deadline,
            `no new generation swapped in: generations ${JSON.stringify(Object.fromEntries(names.map((name, index) => [name, [before.get(name), generations[index]]])))}, ` +
              `projections ${JSON.stringify(items)}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await readModels.close();
      }
      const rebuilt = await snapshot(withMongo.url, ids, customer, position);
      await withMongo.stop();

      const embedded = await boot(false);
      const fromEmbedded = await snapshot(embedded.url, ids, customer, position);
      await embedded.stop();

      assert.deepEqual(rebuilt, live, 'a rebuild into MongoDB gives the same answers');
      assert.deepEqual(fromEmbedded, live, 'the embedded read models give the same answers as MongoDB');
      assert.equal((live.positions as { items: { payout: number }[] }).items[0]!.payout, 100);
    });
  });
}
