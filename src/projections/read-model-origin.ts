import type { EventStore } from '../application/ports/event-store.js';
import type { ProjectionTarget, ReadStore } from '../application/ports/read-store.js';

/**
 * Which event store the read models were built from, kept beside them: the store's id (EventStore.storeId) in a
 * document no projection owns. Read models outlive their event store where they are kept apart from it (MongoDB
 * beside a wiped DATA_DIR, or another EVENTSTORE_URL): their checkpoints then mean positions of another history.
 */
const ORIGIN: ProjectionTarget = { projection: 'read_model_origin', generation: 0 };
const COLLECTION = 'read_model_origin';
const DOCUMENT = 'event-store';

export type ReadModelOrigin =
  /** Built from this store as far as can be told; `recorded` when its id is kept with them already. */
  | { kind: 'this-store'; storeId: string; recorded: boolean }
  /** Built from another store: `why` says how it shows. */
  | { kind: 'another-store'; storeId: string; why: string };

const define = (readStore: ReadStore) => readStore.define(ORIGIN.projection, [{ name: COLLECTION }]);

/**
 * Tells whether the read models were built from `events`: the id kept with them is its id, and no checkpoint (the
 * active generation of each of `projections`, and each of `checkpoints` kept beside them) is past its head. Read
 * models that keep no id yet (new ones, or from before ids were kept) are told by their checkpoints alone.
 */
export const readModelOrigin = async (
  events: EventStore,
  readStore: ReadStore,
  projections: readonly string[],
  checkpoints: readonly ProjectionTarget[] = [],
): Promise<ReadModelOrigin> => {
  await define(readStore);
  const storeId = await events.storeId();
  const kept = (await readStore.get(COLLECTION, DOCUMENT))?.storeId;
  if (typeof kept === 'string' && kept !== storeId)
    return { kind: 'another-store', storeId, why: `they were built from event store ${kept}, and this one is ${storeId}` };
  const head = await events.headPosition();
  const targets = [...(await Promise.all(projections.map(async (projection) => ({ projection, generation: await readStore.activeGeneration(projection) })))), ...checkpoints];
  for (const target of targets) {
    const checkpoint = await readStore.checkpoint(target);
    if (checkpoint > head)
      return { kind: 'another-store', storeId, why: `${target.projection} has processed position ${checkpoint}, past the head of this event store (${head}): another store, or a later state of this one` };
  }
  return { kind: 'this-store', storeId, recorded: kept === storeId };
};

/** Keeps `storeId` with the read models as the store they are built from (replacing any other). */
export const recordReadModelOrigin = async (readStore: ReadStore, storeId: string): Promise<void> => {
  await define(readStore);
  // Dropped first: a store may skip a document write at a position it already holds, and this one has no history.
  await readStore.drop(ORIGIN);
  await define(readStore);
  await readStore.commit(ORIGIN, [{ collection: COLLECTION, id: DOCUMENT, document: { id: DOCUMENT, storeId }, position: 1n }], 0n);
};
