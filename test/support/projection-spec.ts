import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { ReadDocument } from '../../src/application/ports/read-store.js';
import type { DomainEvent } from '../../src/domain/shared/decider.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { applyEvents } from '../../src/projections/apply-events.js';
import type { Projection } from '../../src/projections/projection.js';

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
  const run = async (events: readonly RecordedEvent[]): Promise<MemoryReadStore> => {
    const store = new MemoryReadStore();
    await store.define(projection.name, projection.collections);
    const target = { projection: projection.name, generation: 0 };
    for (const event of events) await applyEvents(projection, store, target, [event], event.position);
    return store;
  };
  return {
    given: (...history: RecordedEvent[]) => ({
      when: (...events: RecordedEvent[]) => ({
        then: async (expected: Expected): Promise<MemoryReadStore> => {
          const store = await run([...history, ...events]);
          for (const [collection, documents] of Object.entries(expected))
            for (const [id, document] of Object.entries(documents))
              assert.deepEqual(await store.get(collection, id), document, `${collection}/${id}`);
          return store;
        },
      }),
    }),
  };
};
