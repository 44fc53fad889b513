import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import type { ProjectionTarget, ReadStore } from '../application/ports/read-store.js';
import { applyEvents } from './apply-events.js';
import { eventTypesOf, type Projection } from './projection.js';

export interface RebuildProgress {
  /** Events applied so far. */
  done: number;
  /** How far through `$all` the rebuild is, up to `head`: positions are what progress and ETA are measured in. */
  position: bigint;
  head: bigint;
}

export interface RebuildOptions {
  decode: (event: RecordedEvent) => RecordedEvent;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

/**
 * Rebuilds projections from position 0 in one pass over `$all`: each projection fills a fresh generation,
 * which is swapped in once it holds every event up to the head. Meant for a stopped server
 * (`npm run rebuild-projections`); a running one rebuilds beside the live read model instead.
 */
export const rebuildProjections = async (
  projections: readonly Projection[],
  events: EventStore,
  readStore: ReadStore,
  options: RebuildOptions,
): Promise<{ events: number }> => {
  const batchSize = options.batchSize ?? 2000;
  const targets = new Map<Projection, { target: ProjectionTarget; types: Set<string> }>();
  for (const projection of projections) {
    await readStore.define(projection.name, projection.collections);
    const target = { projection: projection.name, generation: (await readStore.activeGeneration(projection.name)) + 1 };
    await readStore.drop(target);
    targets.set(projection, { target, types: new Set(eventTypesOf(projection)) });
  }
  const eventTypes = [...new Set(projections.flatMap(eventTypesOf))];
  const head = await events.headPosition();
  let done = 0;
  let batch: RecordedEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    for (const [projection, { target, types }] of targets) {
      const relevant = batch.filter((event) => types.has(event.type));
      await applyEvents(projection, readStore, target, relevant, last);
    }
    done += batch.length;
    options.onProgress?.({ done, position: last, head });
    batch = [];
  };
  for await (const event of events.readAll({ filter: { eventTypes } })) {
    if (event.position > head) break;
    batch.push(options.decode(event));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  for (const { target } of targets.values()) {
    await readStore.commit(target, [], head);
    await readStore.activate(target);
  }
  return { events: done };
};
