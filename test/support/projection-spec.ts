import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { ReadDocument, ReadStore } from '../../src/application/ports/read-store.js';
import type { DomainEvent } from '../../src/domain/shared/decider.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { applyEvents } from '../../src/projections/apply-events.js';
import type { Projection } from '../../src/projections/projection.js';

/**
 * With MONGODB_URL set (CI starts FerretDB), every projection spec runs on the MongoDB adapter too, in a
 * database of its own that is dropped when the run ends.
 */
let mongoStore: Promise<MongoReadStore> | undefined;
const mongoDatabase = `ledgerflow_projection_specs_${process.pid}_${Date.now()}`;
const sharedMongoStore = (): Promise<MongoReadStore> | undefined => {
  if (!process.env.MONGODB_URL) return undefined;
  mongoStore ??= MongoReadStore.connect(process.env.MONGODB_URL, mongoDatabase);
  return mongoStore;
};
after(async () => {
  if (!mongoStore) return;
  await (await mongoStore).close();
  const client = await MongoClient.connect(process.env.MONGODB_URL!);
  await client.db(mongoDatabase).dropDatabase();
  await client.close();
});

export const RECORDED_AT = new Date('2025-01-01T10:00:00.000Z');

/**
 * Records domain events as the store would: each stream's revisions count from 0, positions grow globally.
 *   const record = recorder((event) => `order-${event.data.orderId}`);
 */
export const recorder = <Event extends DomainEvent>(streamOf: (event: Event) => string) => {
  let position = 0n;
  const revisions = new Map<string, bigint>();
  return (event: Event): RecordedEvent & Event => {
    const streamId = streamOf(event);
    const revision = (revisions.get(streamId) ?? -1n) + 1n;
    revisions.set(streamId, revision);
    position += 1n;
    return {
      ...event,
      id: `event-${position}`,
      metadata: { correlationId: 'spec', causationId: 'spec' },
      streamId,
      revision,
      position,
      recordedAt: RECORDED_AT,
    };
  };
};

export type Expected = Record<string, Record<string, ReadDocument | null>>;

/**
 * given(events).when(event).then(documents) for a projection, through applyEvents and a MemoryReadStore:
 * each event is delivered in a batch of its own, as a catch-up subscription may deliver them.
 *   await given(placed).when(cancelled).then({ orders: { [orderId]: { ...document } } });
 */
export const projectionSpec = (projection: Projection) => {
  const run = async <Store extends ReadStore>(store: Store, events: readonly RecordedEvent[]): Promise<Store> => {
    await store.define(projection.name, projection.collections);
    const target = { projection: projection.name, generation: 0 };
    await store.drop(target);
    for (const event of events) await applyEvents(projection, store, target, [event], event.position);
    return store;
  };
  const check = async (store: ReadStore, expected: Expected, adapter: string) => {
    for (const [collection, documents] of Object.entries(expected))
      for (const [id, document] of Object.entries(documents))
        assert.deepEqual(await store.get(collection, id), document, `${adapter}: ${collection}/${id}`);
  };
  return {
    given: (...history: RecordedEvent[]) => ({
      when: (...events: RecordedEvent[]) => ({
        then: async (expected: Expected): Promise<MemoryReadStore> => {
          const store = await run(new MemoryReadStore(), [...history, ...events]);
          await check(store, expected, 'memory');
          const mongo = await sharedMongoStore();
          if (mongo) await check(await run(mongo, [...history, ...events]), expected, 'mongodb');
          return store;
        },
      }),
    }),
  };
};
