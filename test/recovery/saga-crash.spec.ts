import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { allOrdersFinal, assertSettled, createProducts, placeBurst, signIn } from '../support/order-burst.js';
import { startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const ORDERS = 200;
const PRODUCTS = 10;
/** Far less than the orders each product gets before the kill: some orders must find no stock. */
const STOCK = 3;
const KILL_AFTER = 60;

describe('recovery: the embedded server killed in the middle of a burst of orders', function () {
  this.timeout(180_000);
  let dataDir: string;
  let gateway: PaymentSimulator;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-saga-crash-'));
    // The gateway outlives the server, as a real one would: its ledger says who was charged.
    gateway = await startPaymentSimulator({ dataDir });
  });
  after(async () => {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts and finishes every order with the right reason, stock adding up, nobody charged twice', async () => {
    const env = {
      DATA_DIR: dataDir,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      PAYMENT_GATEWAY_URL: gateway.url,
      // Longer than the outage, so that only tok_timeout orders time out.
      PAYMENT_TIMEOUT_MS: '15000',
      PAYMENT_GATEWAY_TIMEOUT_MS: '500',
      SAGA_BACKOFF_MS: '50',
      SAGA_BACKOFF_MAX_MS: '1000',
    };
    const first = await startServerProcess(env);
    const token = await signIn(first.url, admin);
    const productIds = await createProducts(first.url, token, PRODUCTS, STOCK);

    // The sagas of the first orders are under way (reserving, charging, waiting for timeouts) when the kill lands.
    const { placed, unanswered } = await placeBurst(first.url, token, productIds, ORDERS, (acknowledged) => {
      if (acknowledged === KILL_AFTER) first.child.kill('SIGKILL');
    });
    await first.exited;
    assert.ok(placed.length >= KILL_AFTER, `${placed.length} orders acknowledged before the kill`);
    assert.ok(unanswered > 0, `the kill landed while orders were in flight: ${unanswered} of ${ORDERS} unanswered`);

    const second = await startServerProcess(env);
    try {
      const again = await signIn(second.url, admin);
      const orders = await allOrdersFinal(second.url, again, 90_000);
      assert.ok(orders.length >= placed.length);
      await assertSettled(second.url, again, gateway.url, orders, placed, productIds, STOCK);
      const reasons = new Set(orders.map((order) => order.cancellationReason ?? order.status));
      assert.deepEqual([...reasons].sort(), ['confirmed', 'insufficient_stock', 'payment_declined', 'payment_timeout'], 'every path was taken');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
