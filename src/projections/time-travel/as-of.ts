import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import type { DocumentProjection } from '../projection.js';

/** A moment in a resource's history: its revision (what its ETag says), or an instant. */
export type AsOf = { revision: number } | { instant: Date };

/** Every document a time travel answers keeps its revision, as the read model's does (its ETag). */
export type VersionedDocument = ReadDocument & { version: number };

export const describeAsOf = (asOf: AsOf): string => ('revision' in asOf ? `revision ${asOf.revision}` : asOf.instant.toISOString());

/**
 * The document `id` as it stood at `asOf`, folded from `events` (in position order) exactly as the projection builds
 * it: each event goes through `decode` and then, when `documents` takes it and it touches `id`, through its `evolve`
 * (what applyEvents calls). Null when the document did not exist then, or never had that revision.
 */
export const documentAsOf = async <Document extends VersionedDocument>(
  documents: DocumentProjection<any, Document>,
  id: string,
  events: AsyncIterable<RecordedEvent>,
  asOf: AsOf,
  decode: (event: RecordedEvent) => RecordedEvent,
): Promise<Document | null> => {
  const takes = new Set(documents.eventTypes);
  let document: Document | null = null;
  for await (const stored of events) {
    if ('instant' in asOf && stored.recordedAt.getTime() > asOf.instant.getTime()) break;
    if (!takes.has(stored.type)) continue;
    const event = decode(stored);
    const next: Document | null = documents.documentIds(event).includes(id) ? documents.evolve(document, event, id) : document;
    if ('revision' in asOf && next !== null && next.version > asOf.revision) break;
    document = next;
    if ('revision' in asOf && document !== null && document.version === asOf.revision) break;
  }
  if (document === null || ('revision' in asOf && document.version !== asOf.revision)) return null;
  return document;
};
