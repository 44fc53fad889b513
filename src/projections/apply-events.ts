import type { RecordedEvent } from '../application/ports/event-store.js';
import { type DocumentChange, documentKey, type ProjectionTarget, type ReadStore, type StoredDocument } from '../application/ports/read-store.js';
import type { DocumentProjection, Projection } from './projection.js';

const routes = new WeakMap<Projection, Map<string, DocumentProjection<any>[]>>();

/** For each event type, the projection's document handlers that take it, in the projection's order (computed once). */
export const routesOf = (projection: Projection): ReadonlyMap<string, readonly DocumentProjection<any>[]> => {
  let route = routes.get(projection);
  if (route === undefined) {
    route = new Map();
    for (const handler of projection.documents) {
      for (const type of new Set(handler.eventTypes)) {
        const handlers = route.get(type);
        if (handlers) handlers.push(handler);
        else route.set(type, [handler]);
      }
    }
    routes.set(projection, route);
  }
  return route;
};

/**
 * Applies a batch of events to a projection's documents: loads every document the batch touches once,
 * folds the events over them in order, and commits the changed documents with the new checkpoint.
 * A document that already holds an event's position (a redelivery) is left as it is.
 */
export const applyEvents = async (
  projection: Projection,
  readStore: Pick<ReadStore, 'load' | 'commit'>,
  target: ProjectionTarget,
  events: readonly RecordedEvent[],
  checkpoint: bigint,
): Promise<void> => {
  const route = routesOf(projection);
  // The plan, as parallel arrays: step i applies events[eventOf[i]] to document keyOf[i] (idOf[i]) through handlerOf[i].
  const eventOf: number[] = [];
  const handlerOf: DocumentProjection<any>[] = [];
  const idOf: string[] = [];
  const keyOf: string[] = [];
  const touched: { collection: string; id: string }[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const handlers = route.get(event.type);
    if (handlers === undefined) continue;
    for (const handler of handlers) {
      for (const id of handler.documentIds(event)) {
        const key = documentKey(handler.collection, id);
        eventOf.push(index);
        handlerOf.push(handler);
        idOf.push(id);
        keyOf.push(key);
        if (!seen.has(key)) {
          seen.add(key);
          touched.push({ collection: handler.collection, id });
        }
      }
    }
  }
  const documents: Map<string, StoredDocument | { document: null; position: bigint }> =
    touched.length > 0 ? await readStore.load(target, touched) : new Map();
  const changed = new Map<string, DocumentChange>();
  for (let step = 0; step < eventOf.length; step++) {
    const event = events[eventOf[step]!]!;
    const key = keyOf[step]!;
    const current = documents.get(key);
    if (current && current.position >= event.position) continue;
    const handler = handlerOf[step]!;
    const id = idOf[step]!;
    const document = handler.evolve(current?.document ?? null, event, id);
    documents.set(key, { document, position: event.position } as StoredDocument);
    changed.set(key, { collection: handler.collection, id, document, position: event.position });
  }
  await readStore.commit(target, [...changed.values()], checkpoint);
};
