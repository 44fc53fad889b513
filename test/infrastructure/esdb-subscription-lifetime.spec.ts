import assert from 'node:assert/strict';
import { AccessDeniedError } from '@eventstore/db-client';
import { esdbStoreOnDouble, eventually, someEvents } from '../support/esdb-double/esdb-store-on-double.js';

describe('EsdbEventStore subscriptions on the client double: lifetime', () => {
  it('given a for await ended by break, then the store lets go of the subscription and the server of its call', async () => {
    const { client, store } = esdbStoreOnDouble();
    try {
      await store.appendToStream('orders-1', someEvents(3));
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['orders-'] } });
      for await (const _ of subscription) break;
      await eventually(() => client.openSubscriptions === 0, 'the server to end the call');
      assert.equal(store.openSubscriptions, 0);
    } finally {
      await store.close();
    }
  });

  it('given a subscription ended by a permanent error, then the store lets go of it', async () => {
    const { client, store } = esdbStoreOnDouble();
    try {
      client.failSubscriptionsAfterConfirmation(() => new AccessDeniedError());
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['orders-'] } });
      await assert.rejects(subscription[Symbol.asyncIterator]().next(), AccessDeniedError);
      assert.equal(store.openSubscriptions, 0);
    } finally {
      await store.close();
    }
  });
});
