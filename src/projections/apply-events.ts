import type { RecordedEvent } from '../application/ports/event-store.js';
import { type DocumentChange, documentKey, type ProjectionTarget, type ReadStore, type StoredDocument } from '../application/ports/read-store.js';
import type { Projection } from './projection.js';

/**
 * Applies a batch of events to a projection's documents: loads every document the batch touches once,
 * folds the events over them in order, and commits the changed documents with the new checkpoint.
 * A document that already holds an event's position (a redelivery) is left as it is.
 */
export const applyEvents = async (
  projection: Projection,
  readStore: ReadStore,
  target: ProjectionTarget,
  events: readonly RecordedEvent[],
  checkpoint: bigint,
): Promise<void> => {
  const touched: { collection: string; id: string }[] = [];
  const plan = events.map((event) =>
    projection.documents.flatMap((handler) => {
      if (!handler.eventTypes.includes(event.type)) return [];
      return handler.documentIds(event).map((id) => {
        touched.push({ collection: handler.collection, id });
        return { handler, id };
      });
    }),
  );
  const documents: Map<string, StoredDocument | { document: null; position: bigint }> =
    touched.length > 0 ? await readStore.load(target, touched) : new Map();
  const changed = new Map<string, DocumentChange>();
  events.forEach((event, index) => {
    for (const { handler, id } of plan[index]!) {
      const key = documentKey(handler.collection, id);
      const current = documents.get(key);
      if (current && current.position >= event.position) continue;
      const document = handler.evolve(current?.document ?? null, event, id);
      documents.set(key, { document, position: event.position } as StoredDocument);
      changed.set(key, { collection: handler.collection, id, document, position: event.position });
    }
  });
  await readStore.commit(target, [...changed.values()], checkpoint);
};
