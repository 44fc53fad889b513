import assert from 'node:assert/strict';
import type { AllSubscription, EventStore } from '../../src/application/ports/event-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { ProjectionWorker, type ProjectionFault } from '../../src/projections/projection-worker.js';
import { productsProjection } from '../../src/projections/products/products-projection.js';

/** A store whose subscriptions give up at once, as an adapter does on a permanent error. */
const failingStore = (events: EventStore): EventStore =>
  Object.assign(Object.create(events) as EventStore, {
    subscribeToAll(): AllSubscription {
      return {
        scannedPosition: undefined,
        close: async () => {},
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('subscription failed: fromPosition is not a record')) }),
      };
    },
  });

describe('projection worker: a subscription that gives up', () => {
  it('stops the projection faulted, with the error, instead of an unhandled rejection', async () => {
    const readStore = new MemoryReadStore();
    await readStore.define(productsProjection.name, productsProjection.collections);
    const faults: ProjectionFault[] = [];
    const worker = new ProjectionWorker(productsProjection, { projection: 'products', generation: 0 }, failingStore(new MemoryEventStore()), readStore, {
      decode: (event) => event,
      onFault: (fault) => faults.push(fault),
    });
    await worker.start();
    await worker.stop();
    assert.equal(faults.length, 1);
    assert.match(faults[0]!.message, /fromPosition is not a record/);
    assert.equal(worker.fault, faults[0]);
  });
});
