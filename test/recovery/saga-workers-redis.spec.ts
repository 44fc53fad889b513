import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { allOrdersFinal, assertSettled, createProducts, placeBurst, signIn } from '../support/order-burst.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { hasRedisServer, OwnRedis } from '../support/redis-server.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const title = 'recovery: saga workers on Redis (BullMQ)';

const metric = async (server: ServerProcess, sample: RegExp): Promise<number> => {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  return Number(sample.exec(metrics)?.[1] ?? 0);
};
const stepsRun = (server: ServerProcess) => metric(server, /^ledgerflow_saga_steps_total\{outcome="succeeded"\} (\d+)/m);
const recoveries = (server: ServerProcess) => metric(server, /^ledgerflow_saga_recoveries_total (\d+)/m);

if (!process.env.REDIS_URL || !hasRedisServer()) {
  const pending = pendingByDesign(title, { needs: 'REDIS_URL', reason: 'no redis-server here: CI installs it and sets REDIS_URL' })!;
  pending.add('two saga-worker processes share the work, and nothing is doubled');
  pending.add('Redis restarted empty in the middle of a burst: every saga still finishes');
} else {
  describe(title, function () {
    this.timeout(180_000);
    let dataDir: string;
    let gateway: PaymentSimulator;
    let redis: OwnRedis;
    const servers: ServerProcess[] = [];
    const start = async (env: Record<string, string>) => {
      const server = await startServerProcess(env);
      servers.push(server);
      return server;
    };

    beforeEach(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-saga-redis-'));
      gateway = await startPaymentSimulator({ dataDir });
      redis = await OwnRedis.start();
    });
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await gateway.stop();
      redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const environment = () => ({
      DATA_DIR: dataDir,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      REDIS_URL: redis.url,
      PAYMENT_GATEWAY_URL: gateway.url,
      PAYMENT_TIMEOUT_MS: '15000',
      PAYMENT_GATEWAY_TIMEOUT_MS: '500',
      SAGA_BACKOFF_MS: '50',
      SAGA_BACKOFF_MAX_MS: '1000',
    });

    it('two saga-worker processes share the work, and nothing is doubled', async () => {
      const api = await start(environment());
      const worker = await start({ ...environment(), SERVICE_ROLE: 'saga-worker' });
      const token = await signIn(api.url, admin);
      const productIds = await createProducts(api.url, token, 5, 8);
      const { placed } = await placeBurst(api.url, token, productIds, 100, () => {});
      assert.equal(placed.length, 100);
      const orders = await allOrdersFinal(api.url, token, 90_000);
      await assertSettled(api.url, token, gateway.url, orders, placed, productIds, 8);
      const [byApi, byWorker] = [await stepsRun(api), await stepsRun(worker)];
      assert.ok(byApi > 0 && byWorker > 0, `both processes ran saga steps: ${byApi} and ${byWorker}`);
    });

    it('Redis restarted empty in the middle of a burst: every saga still finishes', async () => {
      const api = await start(environment());
      const token = await signIn(api.url, admin);
      const productIds = await createProducts(api.url, token, 10, 3);
      let restarted: Promise<void> | undefined;
      const { placed } = await placeBurst(api.url, token, productIds, 200, (acknowledged) => {
        if (acknowledged !== 60) return;
        redis.stop();
        restarted = new Promise((resolve) => setTimeout(resolve, 500)).then(() => redis.restart());
      });
      await restarted;
      assert.equal(placed.length, 200, 'placing orders needs no Redis');
      const orders = await allOrdersFinal(api.url, token, 90_000);
      await assertSettled(api.url, token, gateway.url, orders, placed, productIds, 3);
      const reasons = new Set(orders.map((order) => order.cancellationReason ?? order.status));
      assert.deepEqual([...reasons].sort(), ['confirmed', 'insufficient_stock', 'payment_declined', 'payment_timeout']);
      assert.ok((await recoveries(api)) >= 2, 'the pending work re-derived on boot and again once Redis was back');
    });
  });
}
