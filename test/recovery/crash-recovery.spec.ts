import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { rebuildProjections } from '../../src/projections/rebuild-projections.js';
import { dumpReadModels } from '../support/read-model-dump.js';
import { startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const projections = allModules.flatMap((module) => module.projections ?? []);

const json = (token?: string) => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

const signIn = async (url: string): Promise<string> => {
  const response = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: json(), body: JSON.stringify(admin) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { accessToken: string }).accessToken;
};

describe('recovery: the embedded server killed mid-write', function () {
  this.timeout(120_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-crash-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarts, loses no acknowledged write, shows exactly the writes stored, and its read models equal a fresh rebuild', async () => {
    const env = { DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password };
    const first = await startServerProcess(env);
    const token = await signIn(first.url);
    const productIds: string[] = [];
    for (let index = 0; index < 5; index++) {
      const response = await fetch(`${first.url}/api/v1/products`, {
        method: 'POST',
        headers: json(token),
        body: JSON.stringify({ sku: `SKU-${index}`, name: `Product ${index}`, price: { amount: 100, currency: 'EUR' }, initialStock: 0 }),
      });
      assert.equal(response.status, 201);
      productIds.push(((await response.json()) as { id: string }).id);
    }

    // Fire every adjustment at once, and kill the process from the answer that makes KILL_AFTER acknowledged: by
    // then most requests are still unanswered, some of them being written. Nothing waits on a clock.
    const KILL_AFTER = 25;
    const acknowledged: { productId: string; reason: string }[] = [];
    const sent = new Set<string>();
    let unanswered = 0;
    const inFlight = Array.from({ length: 300 }, async (_, index) => {
      const productId = productIds[index % productIds.length]!;
      const reason = `delivery ${index}`;
      sent.add(reason);
      try {
        const response = await fetch(`${first.url}/api/v1/products/${productId}/stock-adjustments`, {
          method: 'POST',
          headers: json(token),
          body: JSON.stringify({ delta: 1, reason }),
        });
        assert.equal(response.status, 200, `adjustment ${index}`);
        acknowledged.push({ productId, reason });
        if (acknowledged.length === KILL_AFTER) first.child.kill('SIGKILL');
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        unanswered++; // the connection died with the process: not acknowledged
      }
    });
    await Promise.all(inFlight);
    await first.exited;
    assert.ok(acknowledged.length >= KILL_AFTER, `${acknowledged.length} writes acknowledged before the kill`);
    assert.ok(unanswered > 0, `the kill landed while writes were in flight: ${unanswered} of 300 unanswered`);

    const second = await startServerProcess(env);
    const stillToken = await signIn(second.url);
    const projectionsView = await fetch(`${second.url}/api/v1/projections`, { headers: json(stillToken) });
    const { items } = (await projectionsView.json()) as { items: { name: string; lag: string; status: string }[] };
    assert.ok(items.length >= projections.length);
    for (const item of items) assert.equal(item.lag, '0', `${item.name} lags`);

    const onHand = new Map<string, number>();
    for (const productId of productIds) {
      const response = await fetch(`${second.url}/api/v1/products/${productId}`);
      onHand.set(productId, ((await response.json()) as { stock: { onHand: number } }).stock.onHand);
    }
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'a SIGTERM ends the server cleanly');

    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const readStore = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      // What the store holds is what the read model shows, exactly: every acknowledged write, and of the writes in
      // flight those that were committed before the kill, each once.
      const stored = new Map<string, { productId: string; delta: number; reason: string }>();
      for await (const event of events.readAll({ filter: { eventTypes: ['StockAdjusted'] } })) {
        const data = event.data as { productId: string; delta: number; reason: string };
        assert.ok(sent.has(data.reason) && !stored.has(data.reason), `stored once, and sent: ${data.reason}`);
        stored.set(data.reason, data);
      }
      for (const { productId, reason } of acknowledged) assert.equal(stored.get(reason)?.productId, productId, `acknowledged ${reason} is stored`);
      for (const productId of productIds) {
        const deltas = [...stored.values()].filter((adjustment) => adjustment.productId === productId).reduce((sum, adjustment) => sum + adjustment.delta, 0);
        assert.equal(onHand.get(productId), deltas, `product ${productId}: on hand equals the adjustments stored`);
      }

      const live = await dumpReadModels(readStore, projections);
      const registry = createEventRegistry();
      await rebuildProjections(projections, events, readStore, { decode: (event) => registry.decode(event) });
      const rebuilt = await dumpReadModels(readStore, projections);
      assert.deepEqual(rebuilt, live);
      assert.ok((live.products ?? []).length === 5);
    } finally {
      await readStore.close();
      await events.close();
    }
  });
});
