import type { RecordedEvent } from '../application/ports/event-store.js';
import type { CollectionSpec, FindQuery, Page, ReadDocument, ReadStore } from '../application/ports/read-store.js';

/**
 * How one kind of document follows the events: which documents an event touches and what it makes of each, typed by
 * the events it takes and the document it builds.
 */
export interface DocumentProjection<Event extends RecordedEvent = RecordedEvent, Document extends ReadDocument = ReadDocument> {
  collection: string;
  eventTypes: readonly string[];
  /** The ids of the documents this event changes; none for events it ignores. */
  documentIds(event: Event): readonly string[];
  /** Pure: the document after the event, or null to delete it. */
  evolve(document: Document | null, event: Event, id: string): Document | null;
}

/** A named read model: its collections and the document projections that fill them. */
export interface Projection {
  name: string;
  collections: readonly CollectionSpec[];
  // Each handler is called only with the events it names and the documents it built.
  documents: readonly DocumentProjection<any, any>[];
}

export const eventTypesOf = (projection: Projection): string[] => [
  ...new Set(projection.documents.flatMap((document) => document.eventTypes)),
];

/** The documents of a projection's collection, as the queries beside it read them. */
export interface DocumentReader<Document extends ReadDocument> {
  get(store: ReadStore, id: string): Promise<Document | null>;
  find(store: ReadStore, query: FindQuery): Promise<Page<Document>>;
}

/**
 * Reads of the collection `documents` fills, typed as it builds them: a collection has one projection writing it
 * and nothing else, so what the store holds there is what that projection's `evolve` returned.
 */
export const readerOf = <Document extends ReadDocument>(documents: DocumentProjection<any, Document>): DocumentReader<Document> => ({
  get: async (store, id) => (await store.get(documents.collection, id)) as Document | null,
  find: async (store, query) => (await store.find(documents.collection, query)) as Page<Document>,
});
