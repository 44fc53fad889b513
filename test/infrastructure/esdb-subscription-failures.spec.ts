import assert from 'node:assert/strict';
import { UnknownError } from '@eventstore/db-client';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { unavailable } from '../support/esdb-double/client-errors.js';
import { esdbStoreOnDouble, eventually, someEvents, within } from '../support/esdb-double/esdb-store-on-double.js';

const FAST_RETRIES = { maxDrops: 3, retryMinMs: 5, retryMaxMs: 20 };

describe('EsdbEventStore subscriptions on the client double: failures', () => {
  it('given a fromPosition inside a record, then the subscription fails at once with the server’s INVALID_ARGUMENT instead of subscribing again and again', async () => {
    const { client, log, store } = esdbStoreOnDouble();
    try {
      const { position } = await store.appendToStream('orders-1', someEvents(2));
      const subscription = store.subscribeToAll({ fromPosition: position - 1n, filter: { streamPrefixes: ['orders-'] } });
      await assert.rejects(
        within(subscription[Symbol.asyncIterator]().next(), 'the subscription to fail'),
        (error: unknown) => error instanceof UnknownError && error.code === 3,
      );
      assert.equal(client.subscriptionsOpened, 1);
      assert.deepEqual(log.entries.map((entry) => entry.level), ['error']);
    } finally {
      await store.close();
    }
  });

  it('given a server that drops every subscription right after confirming it, then each drop is logged and the subscription fails after the last one allowed', async () => {
    const { client, log, store } = esdbStoreOnDouble({}, FAST_RETRIES);
    try {
      client.failSubscriptionsAfterConfirmation(() => unavailable());
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['orders-'] } });
      await assert.rejects(within(subscription[Symbol.asyncIterator]().next(), 'the subscription to give up'), (error: unknown) => {
        assert.ok(error instanceof Error && error.name === 'SubscriptionFailedError', String(error));
        assert.match(error.message, /Server Is Not Ready/);
        return true;
      });
      assert.equal(client.subscriptionsOpened, 3);
      assert.deepEqual(log.entries.map((entry) => entry.level), ['warn', 'warn', 'warn', 'error']);
    } finally {
      await store.close();
    }
  });

  it('given drops between which the subscription gets somewhere, then it keeps subscribing again and delivers every event once, in order', async () => {
    const { client, log, store } = esdbStoreOnDouble({}, FAST_RETRIES);
    const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['orders-'] } });
    const received: RecordedEvent[] = [];
    const done = (async () => {
      for await (const event of subscription) received.push(event);
    })();
    try {
      const appended: string[] = [];
      for (let i = 0; i < 6; i++) {
        const batch = someEvents(1);
        appended.push(batch[0]!.id);
        await store.appendToStream(`orders-${i}`, batch);
        await eventually(() => received.length === i + 1, `event ${i + 1}`);
        client.dropSubscriptions(unavailable());
      }
      await eventually(() => client.openSubscriptions === 1, 'a new subscription');
      assert.deepEqual(received.map((event) => event.id), appended);
      assert.equal(log.entries.filter((entry) => entry.level === 'warn').length, 6);
    } finally {
      await store.close();
      await done;
    }
  });

  it('given an event the adapter cannot decode, then the subscription fails with an error that names it, without subscribing again', async () => {
    const { client, store } = esdbStoreOnDouble();
    try {
      const [good, bad] = someEvents(2);
      await store.appendToStream('orders-1', [good!, bad!]);
      client.sendWithoutPositions(bad!.id);
      const iterator = store.subscribeToAll({ filter: { streamPrefixes: ['orders-'] } })[Symbol.asyncIterator]();
      assert.equal((await within(iterator.next(), 'the first event')).value?.id, good!.id);
      await assert.rejects(within(iterator.next(), 'the subscription to fail'), (error: unknown) => {
        assert.ok(error instanceof Error && error.name === 'RecordDecodingError', String(error));
        assert.match(error.message, /orders-1@1/);
        return true;
      });
      assert.equal(client.subscriptionsOpened, 1);
    } finally {
      await store.close();
    }
  });
});
