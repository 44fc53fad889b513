import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import { forEachDocument, routesOf } from '../apply-events.js';
import type { Projection } from '../projection.js';

/** A moment in a resource's history: its revision (what its ETag says), or an instant. */
export type AsOf = { revision: number } | { instant: Date };

/** Every document a time travel answers keeps its revision, as the read model's does (its ETag). */
export type VersionedDocument = ReadDocument & { version: number };

export const describeAsOf = (asOf: AsOf): string => ('revision' in asOf ? `revision ${asOf.revision}` : asOf.instant.toISOString());

const versionOf = (document: ReadDocument): number => Number((document as Partial<VersionedDocument>).version);

/**
 * The document `id` of `collection` as it stood at `asOf`, folded from `events` (in position order) exactly as the
 * projection builds it: each event goes through `decode` and then, routed by the projection's own tables, through
 * the document handler's `evolve` (what applyEvents calls). Null when the document did not exist then, or never had
 * that revision.
 */
export const documentAsOf = async (
  projection: Projection,
  collection: string,
  id: string,
  events: AsyncIterable<RecordedEvent>,
  asOf: AsOf,
  decode: (event: RecordedEvent) => RecordedEvent,
): Promise<VersionedDocument | null> => {
  const route = routesOf(projection);
  let document: ReadDocument | null = null;
  for await (const stored of events) {
    if ('instant' in asOf && stored.recordedAt.getTime() > asOf.instant.getTime()) break;
    const event = decode(stored);
    let next: ReadDocument | null = document;
    forEachDocument(route, event, (handler, touched) => {
      if (handler.collection === collection && touched === id) next = handler.evolve(next, event, id);
    });
    if ('revision' in asOf && next !== null && versionOf(next) > asOf.revision) break;
    document = next;
    if ('revision' in asOf && document !== null && versionOf(document) === asOf.revision) break;
  }
  if (document === null || ('revision' in asOf && versionOf(document) !== asOf.revision)) return null;
  return document as VersionedDocument;
};
