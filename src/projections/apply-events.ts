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

/** Calls `visit` for every document an event touches, handler by handler, in the projection's order. */
export const forEachDocument = (
  route: ReadonlyMap<string, readonly DocumentProjection<any>[]>,
  event: RecordedEvent,
  visit: (handler: DocumentProjection<any>, id: string, key: string) => void,
): void => {
  for (const handler of route.get(event.type) ?? []) {
    for (const id of handler.documentIds(event)) visit(handler, id, documentKey(handler.collection, id));
  }
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
  const touched = new Map<string, { collection: string; id: string }>();
  for (const event of events) forEachDocument(route, event, (handler, id, key) => touched.set(key, { collection: handler.collection, id }));
  const stored = touched.size > 0 ? await readStore.load(target, [...touched.values()]) : new Map<string, StoredDocument>();
  const changed = new Map<string, DocumentChange>();
  for (const event of events) {
    forEachDocument(route, event, (handler, id, key) => {
      const current = changed.get(key) ?? stored.get(key);
      if (current && current.position >= event.position) return;
      changed.set(key, { collection: handler.collection, id, document: handler.evolve(current?.document ?? null, event, id), position: event.position });
    });
  }
  await readStore.commit(target, [...changed.values()], checkpoint);
};
