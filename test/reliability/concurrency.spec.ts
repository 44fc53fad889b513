import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SeededRandom } from '../support/seeded-random.js';
import { allOrdersFinal, createProducts, signIn } from '../support/order-burst.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { eventually } from '../support/saga-flow.js';
import { hasRedisServer, OwnRedis } from '../support/redis-server.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const ADJUSTMENTS = 1000;
const ORDERS = 1000;
const UNITS = 100;
const CUSTOMERS = 5;

const json = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

type Stock = { onHand: number; reserved: number; available: number };

/** The stock as the read model has it; once it has seen `minPosition` (X-Min-Position), when given. */
const stockOf = async (url: string, productId: string, minPosition?: bigint): Promise<Stock> => {
  const headers: Record<string, string> = minPosition === undefined ? {} : { 'x-min-position': String(minPosition) };
  return ((await (await fetch(`${url}/api/v1/products/${productId}`, { headers })).json()) as { stock: Stock }).stock;
};

/** Answers counted by status: what the spec reports beside its assertions. */
const tally = (values: readonly (number | string)[]): string =>
  Object.entries(values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {}))
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');

/** The stock as the product's own events have it after each one, replayed from the event store. */
const stockHistory = async (dataDir: string, productId: string): Promise<Stock[]> => {
  const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  const history: Stock[] = [];
  let onHand = 0;
  let reserved = 0;
  try {
    for (const event of await events.readStream(`product-${productId}`)) {
      const data = event.data as { initialStock?: number; delta?: number; quantity?: number };
      if (event.type === 'ProductCreated') onHand = data.initialStock!;
      if (event.type === 'StockAdjusted') onHand += data.delta!;
      if (event.type === 'StockReserved') reserved += data.quantity!;
      if (event.type === 'StockReservationReleased') reserved -= data.quantity!;
      if (event.type === 'StockReservationCommitted') {
        onHand -= data.quantity!;
        reserved -= data.quantity!;
      }
      if (event.type === 'StockReturned') onHand += data.quantity!;
      history.push({ onHand, reserved, available: onHand - reserved });
    }
  } finally {
    await events.close();
  }
  return history;
};

const concurrencyAtScale = (profile: string, environment: () => Promise<Record<string, string>>, cleanUp: () => Promise<void> | void = () => undefined) => {
  describe(`concurrency at scale, over HTTP (${profile})`, function () {
    this.timeout(300_000);
    let dataDir: string;
    let server: ServerProcess;
    let token: string;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-concurrency-'));
      server = await startServerProcess({
        ...(await environment()),
        DATA_DIR: dataDir,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        // Long enough that no order waits out its payment behind the burst: only stock decides here.
        PAYMENT_TIMEOUT_MS: '120000',
      });
      token = await signIn(server.url, admin);
    });
    after(async () => {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await cleanUp();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it(`${ADJUSTMENTS} stock adjustments at once on one product lose no update: on hand = initial + the deltas accepted, each stored once`, async () => {
      const [productId] = await createProducts(server.url, token, 1, 1000);
      const random = new SeededRandom(7);
      const deltas = Array.from({ length: ADJUSTMENTS }, () => random.pick([-3, -2, -1, 1, 2, 3, 5, 8]));
      const answered = await Promise.all(
        deltas.map(async (delta, index) => {
          const response = await fetch(`${server.url}/api/v1/products/${productId}/stock-adjustments`, {
            method: 'POST',
            headers: json(token),
            body: JSON.stringify({ delta, reason: `concurrent ${index}` }),
          });
          await response.arrayBuffer();
          return { status: response.status, position: BigInt(response.headers.get('x-position') ?? -1) };
        }),
      );
      const answers = answered.map(({ status }) => status);
      // Read-your-writes: the read model once it has seen the last adjustment accepted.
      const lastPosition = answered.reduce((last, { position }) => (position > last ? position : last), -1n);
      const accepted = deltas.filter((_, index) => answers[index] === 200);
      const refused = answers.filter((status) => status !== 200);
      console.log(`      ${profile}: ${ADJUSTMENTS} adjustments answered ${tally(answers)}`);
      assert.ok(refused.every((status) => [409, 412, 429].includes(status)), `only conflicts or rate limits refuse: ${tally(answers)}`);
      const expected = 1000 + accepted.reduce((sum, delta) => sum + delta, 0);
      assert.deepEqual(await stockOf(server.url, productId!, lastPosition), { onHand: expected, reserved: 0, available: expected });

      const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
      const stored: string[] = [];
      try {
        for (const event of await events.readStream(`product-${productId}`))
          if (event.type === 'StockAdjusted') stored.push((event.data as { reason: string }).reason);
      } finally {
        await events.close();
      }
      assert.equal(new Set(stored).size, stored.length, 'no adjustment stored twice');
      assert.deepEqual(stored.sort(), deltas.flatMap((_, index) => (answers[index] === 200 ? [`concurrent ${index}`] : [])).sort());
    });

    it(`${ORDERS} orders at once for ${UNITS} units: exactly ${UNITS} confirmed, the rest cancelled for insufficient stock, available never below 0`, async () => {
      const [productId] = await createProducts(server.url, token, 1, UNITS);
      const customers: string[] = [];
      for (let index = 0; index < CUSTOMERS; index++) {
        const email = `burst-${profile}-${index}@example.com`;
        const registered = await fetch(`${server.url}/api/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'customer-password-1', name: `Burst ${index}` }),
        });
        assert.equal(registered.status, 201);
        customers.push(await signIn(server.url, { email, password: 'customer-password-1' }));
      }
      // Watched through the API while the burst runs, as a client would see it.
      let watching = true;
      const seen: Stock[] = [];
      const watcher = (async () => {
        while (watching) {
          seen.push(await stockOf(server.url, productId!));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const answers = await Promise.all(
        Array.from({ length: ORDERS }, async (_, index) => {
          const response = await fetch(`${server.url}/api/v1/orders`, {
            method: 'POST',
            headers: json(customers[index % CUSTOMERS]!),
            body: JSON.stringify({ items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' }),
          });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      assert.deepEqual(tally(answers), `202: ${ORDERS}`);
      const orders = await allOrdersFinal(server.url, token, 240_000);
      watching = false;
      await watcher;
      const outcomes = orders.map((order) => order.cancellationReason ?? order.status);
      console.log(`      ${profile}: ${ORDERS} orders for ${UNITS} units ended ${tally(outcomes)}; stock read ${seen.length} times meanwhile`);
      assert.equal(outcomes.filter((outcome) => outcome === 'confirmed').length, UNITS);
      assert.equal(outcomes.filter((outcome) => outcome === 'insufficient_stock').length, ORDERS - UNITS);
      // The last reservations are released after their orders were cancelled: the read model gets there.
      await eventually('the stock once every order is final', () => stockOf(server.url, productId!), (stock) => stock.onHand === 0 && stock.reserved === 0 && stock.available === 0);
      assert.ok(seen.every((stock) => stock.available >= 0 && stock.reserved >= 0 && stock.onHand >= 0), 'available never below 0 through the API');
      const history = await stockHistory(dataDir, productId!);
      assert.ok(history.every((stock) => stock.available >= 0 && stock.reserved >= 0), 'available never below 0 in the event store');
    });
  });
};

concurrencyAtScale('embedded', async () => ({}));

const redisTitle = 'concurrency at scale, over HTTP (Redis: BullMQ jobs, idempotency keys, rate limits)';
if (!process.env.REDIS_URL || !hasRedisServer()) {
  const pending = pendingByDesign(redisTitle, { needs: 'REDIS_URL', reason: 'no redis-server here: CI installs it and sets REDIS_URL' })!;
  pending.add(`${ADJUSTMENTS} stock adjustments at once on one product lose no update`);
  pending.add(`${ORDERS} orders at once for ${UNITS} units: exactly ${UNITS} confirmed`);
} else {
  let redis: OwnRedis | undefined;
  concurrencyAtScale(
    'redis',
    async () => {
      redis = await OwnRedis.start();
      return { REDIS_URL: redis.url };
    },
    () => redis?.stop(),
  );
}
