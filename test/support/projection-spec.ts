import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { documentKey, type ReadDocument } from '../../src/application/ports/read-store.js';
import { applyEvents } from '../../src/projections/apply-events.js';
import type { Projection } from '../../src/projections/projection.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';

let position = 0n;
const revisions = new Map<string, bigint>();

/** Records a domain event as the store would: the next global position, the stream's next revision. */
export const recorded = <E extends { type: string; data: unknown }>(streamId: string, event: E, at = '2026-01-01T00:00:00.000Z'): RecordedEvent & E => {
  const revision = (revisions.get(streamId) ?? -1n) + 1n;
  revisions.set(streamId, revision);
  position += 1n;
  return {
    ...event,
    id: `event-${position}`,
    streamId,
    revision,
    position,
    recordedAt: new Date(at),
    metadata: { correlationId: 'c-1', causationId: 'c-1' },
  };
};

/**
 * given(events).when(event).then(collection, id, document) for a projection, through the same
 * applyEvents the runner uses, on a fresh memory read store.
 */
export const projectionSpec = (projection: Projection) => ({
  given: (...history: RecordedEvent[]) => ({
    when: (...events: RecordedEvent[]) => ({
      then: async (collection: string, id: string, expected: ReadDocument | null) => {
        const store = new MemoryReadStore();
        await store.define(projection.name, projection.collections);
        const target = { projection: projection.name, generation: 0 };
        for (const event of [...history, ...events]) await applyEvents(projection, store, target, [event], event.position);
        const loaded = await store.load(target, [{ collection, id }]);
        assert.deepEqual(loaded.get(documentKey(collection, id))?.document ?? null, expected);
      },
    }),
  }),
});
