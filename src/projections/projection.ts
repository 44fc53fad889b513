import type { RecordedEvent } from '../application/ports/event-store.js';
import type { CollectionSpec, ReadDocument } from '../application/ports/read-store.js';

/** How one kind of document follows the events: which documents an event touches and what it makes of each. */
export interface DocumentProjection<Event extends RecordedEvent = RecordedEvent> {
  collection: string;
  eventTypes: readonly string[];
  /** The ids of the documents this event changes; none for events it ignores. */
  documentIds(event: Event): readonly string[];
  /** Pure: the document after the event, or null to delete it. */
  evolve(document: ReadDocument | null, event: Event, id: string): ReadDocument | null;
}

/** A named read model: its collections and the document projections that fill them. */
export interface Projection {
  name: string;
  collections: readonly CollectionSpec[];
  documents: readonly DocumentProjection<any>[];
}

export const eventTypesOf = (projection: Projection): string[] => [
  ...new Set(projection.documents.flatMap((document) => document.eventTypes)),
];
