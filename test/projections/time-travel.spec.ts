import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sagaStatusProjection } from '../../sagas/saga-status/saga-status-projection.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { ReadDocument } from '../../src/application/ports/read-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { applyEvents, forEachDocument, routesOf } from '../../src/projections/apply-events.js';
import { marketsProjection } from '../../src/projections/markets/markets-projection.js';
import { ordersProjection } from '../../src/projections/orders/orders-projection.js';
import { productsProjection } from '../../src/projections/products/products-projection.js';
import type { Projection } from '../../src/projections/projection.js';
import type { AsOf, VersionedDocument } from '../../src/projections/time-travel/as-of.js';
import { ResourceHistory } from '../../src/projections/time-travel/resource-history.js';
import { usersProjection } from '../../src/projections/users/users-projection.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const at = '2025-01-01T10:00:00.000Z';

/** Every kind of resource, in one history where their events interleave (another order on the same product too). */
const HISTORY: [stream: string, type: string, data: Record<string, unknown>][] = [
  ['user-u-1', 'UserRegistered', { userId: 'u-1', email: 'ada@example.com', name: 'Ada', passwordHash: 'h', roles: ['customer'], registeredAt: at }],
  ['product-p-1', 'ProductCreated', { productId: 'p-1', sku: 'MUG', name: 'Mug', description: '', price: eur(1250), initialStock: 5, createdBy: 'u-1' }],
  ['order-o-1', 'OrderPlaced', { orderId: 'o-1', customerId: 'u-1', items: [{ productId: 'p-1', quantity: 2, unitPrice: eur(1250) }], total: eur(2500), paymentToken: 'tok_visa', placedAt: at }],
  ['user-u-1', 'UserRenamed', { userId: 'u-1', name: 'Ada L.' }],
  ['product-p-1', 'StockReserved', { productId: 'p-1', orderId: 'o-1', quantity: 2 }],
  ['product-p-1', 'StockReserved', { productId: 'p-1', orderId: 'o-2', quantity: 1 }],
  ['order-o-1', 'OrderStockReserved', { orderId: 'o-1', productId: 'p-1' }],
  ['market-m-1', 'MarketCreated', { marketId: 'm-1', question: 'Rain?', outcomes: ['yes', 'no'], closesAt: at, createdBy: 'u-1', createdAt: at }],
  ['order-o-1', 'OrderPaymentRequested', { orderId: 'o-1', amount: eur(2500), dueAt: at }],
  ['saga-o-1', 'SagaStepAttemptFailed', { sagaId: 'o-1', sagaType: 'order-fulfilment', step: 'charge-payment', attempt: 1, error: 'gateway 503' }],
  ['market-m-1', 'PositionPlaced', { marketId: 'm-1', positionId: 'x-1', userId: 'u-1', outcome: 'yes', stake: 10, placedAt: at }],
  ['order-o-1', 'OrderPaymentCaptured', { orderId: 'o-1', paymentId: 'pay-1', refundDue: false }],
  ['product-p-1', 'ProductPriceChanged', { productId: 'p-1', price: eur(1500) }],
  ['order-o-1', 'OrderConfirmed', { orderId: 'o-1' }],
  ['product-p-1', 'StockReservationCommitted', { productId: 'p-1', orderId: 'o-1', quantity: 2 }],
  ['market-m-1', 'MarketClosed', { marketId: 'm-1', closedAt: at }],
  ['user-u-1', 'UserRoleGranted', { userId: 'u-1', role: 'admin' }],
  [
    'market-m-1',
    'MarketResolved',
    { marketId: 'm-1', winningOutcome: 'yes', totalPool: 10, winningPool: 10, payouts: [{ positionId: 'x-1', userId: 'u-1', outcome: 'yes', stake: 10, payout: 10 }], resolvedAt: at },
  ],
  ['market-m-1', 'PayoutRecorded', { marketId: 'm-1', positionId: 'x-1', userId: 'u-1', amount: 10 }],
];

const PROJECTIONS: Projection[] = [usersProjection, productsProjection, ordersProjection, marketsProjection, sagaStatusProjection];

/** Which resource a time travel asks about, and how. */
const RESOURCES: [collection: string, id: string, ask: (history: ResourceHistory, asOf: AsOf) => Promise<VersionedDocument | null>][] = [
  ['users', 'u-1', (history, asOf) => history.user('u-1', asOf)],
  ['products', 'p-1', (history, asOf) => history.product('p-1', asOf)],
  ['orders', 'o-1', (history, asOf) => history.order('o-1', asOf)],
  ['markets', 'm-1', (history, asOf) => history.market('m-1', asOf)],
  ['sagas', 'o-1', (history, asOf) => history.saga('o-1', asOf)],
  ['sagas', 'm-1', (history, asOf) => history.saga('m-1', asOf)],
];

describe('time travel: a document as it stood, folded from the event store by its projection', () => {
  const registry = createEventRegistry();
  const decode = (event: RecordedEvent) => registry.decode(event);
  let history: ResourceHistory;
  let recorded: RecordedEvent[];
  /** What the read model held for each resource after each event (undefined: no document yet). */
  let readModel: Map<string, ReadDocument | null>[];

  before(async () => {
    const store = new MemoryEventStore();
    recorded = [];
    for (const [stream, type, data] of HISTORY) {
      await sleep(2); // each event at an instant of its own
      const { position } = await store.appendToStream(stream, [{ id: randomUUID(), type, data, metadata: { correlationId: 'spec', causationId: 'spec' } }]);
      for await (const event of store.readAll({ fromPosition: position, maxCount: 1 })) recorded.push(event);
    }
    history = new ResourceHistory(store, decode);

    // The read models, built as the projection runner builds them: applyEvents, one event at a time.
    const readStore = new MemoryReadStore();
    for (const projection of PROJECTIONS) await readStore.define(projection.name, projection.collections);
    readModel = [];
    for (const event of recorded) {
      for (const projection of PROJECTIONS) await applyEvents(projection, readStore, { projection: projection.name, generation: 0 }, [decode(event)], event.position);
      const now = new Map<string, ReadDocument | null>();
      for (const [collection, id] of RESOURCES) now.set(`${collection}/${id}`, await readStore.get(collection, id));
      readModel.push(now);
    }
  });

  it('folds with evolve functions that leave the document and the event they are given as they were', () => {
    const frozen = <T>(value: T): T => {
      if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const field of Object.values(value)) frozen(field);
      }
      return value;
    };
    const documents = new Map<string, ReadDocument | null>();
    for (const event of recorded.map((each) => frozen(structuredClone(decode(each)))))
      for (const projection of PROJECTIONS)
        forEachDocument(routesOf(projection), event, (handler, id, key) => {
          documents.set(key, handler.evolve(frozen(documents.get(key) ?? null), event, id));
        });
    assert.ok(documents.size >= 6);
  });

  for (const [collection, id, ask] of RESOURCES) {
    describe(`${collection}/${id}`, () => {
      const states = () => readModel.map((now) => now.get(`${collection}/${id}`) ?? null);

      it('at each revision it had: the very document the read model held at that revision', async () => {
        const seen = states().filter((document): document is ReadDocument => document !== null);
        const versions = [...new Set(seen.map((document) => Number(document.version)))];
        assert.ok(versions.length >= 2, `${versions.length} revisions`);
        for (const version of versions)
          assert.deepEqual(await ask(history, { revision: version }), seen.find((document) => document.version === version), `revision ${version}`);
      });

      it('at the instant of each event: the document the read model held just after it; before the first, none', async () => {
        for (const [index, event] of recorded.entries())
          assert.deepEqual(await ask(history, { instant: event.recordedAt }), states()[index], `after ${event.type} at ${index}`);
        assert.equal(await ask(history, { instant: new Date(recorded[0]!.recordedAt.getTime() - 1) }), null);
      });

      it('at a revision it never had (yet): none', async () => {
        const last = states().at(-1)!;
        assert.equal(await ask(history, { revision: Number(last.version) + 1 }), null);
      });
    });
  }
});
