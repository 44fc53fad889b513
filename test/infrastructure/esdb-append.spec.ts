import assert from 'node:assert/strict';
import { DeadlineExceededError } from '@eventstore/db-client';
import { esdbStoreOnDouble, someEvents } from '../support/esdb-double/esdb-store-on-double.js';

describe('EsdbEventStore appends on the client double', () => {
  it('given the same batch appended twice at once, then the second, dropped by the server while the first is not yet indexed, is retried and answered like the first', async () => {
    const { store } = esdbStoreOnDouble({ writeTimeoutMs: 30 });
    try {
      const batch = someEvents(3);
      const [first, second] = await Promise.all([
        store.appendToStream('orders-1', batch, { expectedRevision: 'no_stream' }),
        store.appendToStream('orders-1', batch, { expectedRevision: 'no_stream' }),
      ]);
      assert.deepEqual(second, first);
      assert.equal((await store.readStream('orders-1')).length, 3);
    } finally {
      await store.close();
    }
  });

  it('given an append whose answer is lost with the connection, then it is sent again and answered idempotently, written once', async () => {
    const { client, log, store } = esdbStoreOnDouble();
    try {
      await store.appendToStream('orders-1', someEvents(1));
      client.loseAnswersToNextAppends(1);
      const batch = someEvents(2);
      const result = await store.appendToStream('orders-1', batch, { expectedRevision: 0n });
      const stored = await store.readStream('orders-1');
      assert.deepEqual(stored.map((event) => event.id).slice(1), batch.map((event) => event.id));
      assert.equal(result.nextExpectedRevision, 2n);
      assert.equal(result.position, stored[2]!.position);
      assert.deepEqual(log.entries.map((entry) => entry.level), ['warn'], 'the retry is logged');
    } finally {
      await store.close();
    }
  });

  it('given a server that keeps dropping the same append, then it gives up after a few attempts with the client’s error', async () => {
    const { client, store } = esdbStoreOnDouble({ writeTimeoutMs: 10, indexingDelayMs: 1_000 });
    try {
      const batch = someEvents(1);
      const first = store.appendToStream('orders-1', batch);
      await assert.rejects(store.appendToStream('orders-1', batch), DeadlineExceededError);
      const attempts = client.appendsReceived - 1;
      assert.ok(attempts > 1 && attempts <= 5, `${attempts} attempts`);
      await first;
    } finally {
      await store.close();
    }
  });
});
