import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { httpClient } from '../api/api-client.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { eventually, sagaFlow } from '../support/saga-flow.js';

/** Keeps this thread (the server's main thread: the platform runs in the spec's process) busy for `ms`. */
const blockThisThread = (ms: number): { from: number; to: number } => {
  const from = Date.now();
  while (Date.now() - from < ms);
  return { from, to: Date.now() };
};

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(name));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
};

interface Setting {
  sagaThread: 'on' | 'off';
  /** The jobs' queue on Redis rather than in the process. */
  redisUrl?: string;
}

const redisUrl = process.env.REDIS_URL;
const settings: Setting[] = [{ sagaThread: 'on' }, { sagaThread: 'off' }];
const titleOf = ({ sagaThread, redisUrl }: Setting) =>
  `process: the all-in-one server on SQLite with SAGA_THREAD=${sagaThread}${redisUrl === undefined ? '' : ', its jobs on Redis'}`;
if (redisUrl) settings.push({ sagaThread: 'on', redisUrl });
else
  pendingByDesign(titleOf({ sagaThread: 'on', redisUrl: '' }), { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' })!.add(
    'moves an order on while the main thread is busy, confirms it, and counts the thread’s steps and commands in /metrics',
  );

for (const setting of settings) {
  const { sagaThread } = setting;
  describe(titleOf(setting), function () {
    this.timeout(60_000);
    let dir: string;
    let platform: TestPlatform;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ledgerflow-saga-thread-'));
      const jobs: Record<string, string> = setting.redisUrl === undefined ? {} : { REDIS_URL: setting.redisUrl, SAGA_QUEUE: `saga-thread-spec-${randomUUID()}` };
      platform = await startTestPlatform({ EVENTSTORE_URL: `sqlite:${join(dir, 'events.sqlite')}`, DATA_DIR: dir, SAGA_THREAD: sagaThread, ...jobs });
    });
    after(async () => {
      await platform.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(
      sagaThread === 'on'
        ? 'moves an order on while the main thread is busy, confirms it, and counts the thread’s steps and commands in /metrics'
        : 'moves no order on while the main thread is busy (the sagas run in it), and confirms it once it is free',
      async () => {
        const call = httpClient(platform.url);
        const admin = await platform.adminToken();
        const customer = await platform.registerCustomer();
        const flow = sagaFlow(call, admin);
        const productId = await flow.product(5);
        const orderId = await flow.place(customer.token, [{ productId, quantity: 1 }], 'tok_visa');

        const busy = blockThisThread(1500);
        const events = new SqliteEventStore(join(dir, 'events.sqlite'), { backgroundCheckpoints: false });
        const recordedMeanwhile = (await events.readStream(`order-${orderId}`)).filter(
          (event) => event.recordedAt.getTime() > busy.from && event.recordedAt.getTime() <= busy.to,
        );
        await events.close();
        if (sagaThread === 'on') assert.ok(recordedMeanwhile.length > 0, 'the saga thread appended nothing while the main thread was busy');
        else assert.deepEqual(recordedMeanwhile, []);

        const { order, saga } = await flow.settled(orderId);
        assert.equal(order.status, 'confirmed');
        assert.equal(saga.status, 'completed');
        const scrape = await eventually('the saga steps in /metrics', async () => (await fetch(`${platform.url}/metrics`)).text(), (text) =>
          metric(text, 'ledgerflow_saga_steps_total{outcome="succeeded"}') >= 4,
        );
        // At least once: a step may run twice (the boot's recovery re-derives the work of a saga begun while it ran), and
        // the second run is accepted without appending anything.
        assert.ok(metric(scrape, 'ledgerflow_commands_total{command="NoteStockReserved",outcome="accepted"}') >= 1, 'NoteStockReserved counted');
        assert.ok(metric(scrape, 'ledgerflow_commands_total{command="NotePaymentCaptured",outcome="accepted"}') >= 1, 'NotePaymentCaptured counted');
        const recorded = new SqliteEventStore(join(dir, 'events.sqlite'), { backgroundCheckpoints: false });
        const orderEvents = (await recorded.readStream(`order-${orderId}`)).map((event) => event.type);
        await recorded.close();
        assert.deepEqual(orderEvents, ['OrderPlaced', 'OrderStockReserved', 'OrderPaymentRequested', 'OrderPaymentCaptured', 'OrderConfirmed']);
        assert.equal(metric(scrape, 'ledgerflow_circuit_breaker_state{remote="payment gateway",state="closed"}'), 1);
      },
    );
  });
}
