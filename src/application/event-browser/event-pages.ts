import type { AllFilter, Direction, EventStore, RecordedEvent } from '../ports/event-store.js';

export interface StreamPageQuery {
  /** Included; the stream's start (forwards) or end (backwards) when absent. */
  fromRevision?: bigint | undefined;
  direction: Direction;
  limit: number;
}

export interface StreamPage {
  events: RecordedEvent[];
  /** Where the next page starts, in the same direction; null when this page reached the end. */
  next: bigint | null;
}

/** A page of one stream, or null when the stream has no events at all. */
export const readStreamPage = async (store: EventStore, stream: string, { fromRevision, direction, limit }: StreamPageQuery): Promise<StreamPage | null> => {
  const events = await store.readStream(stream, { direction, ...(fromRevision === undefined ? {} : { fromRevision }), maxCount: limit + 1 });
  if (events.length === 0 && (await store.readStream(stream, { maxCount: 1 })).length === 0) return null;
  return { events: events.slice(0, limit), next: events.length > limit ? events[limit]!.revision : null };
};

export interface AllQuery {
  /** Included; the start of `$all` when absent. */
  fromPosition?: bigint | undefined;
  types?: readonly string[] | undefined;
  streamPrefix?: string | undefined;
  correlationId?: string | undefined;
}

export interface AllPage {
  events: RecordedEvent[];
  /** Where the next page starts (an event's position); null when this page reached the head of `$all`. */
  next: bigint | null;
}

/** The part of a query the store filters itself; the correlation id is checked here, on the events it gives. */
export const storeFilter = ({ types, streamPrefix }: AllQuery): AllFilter | undefined =>
  types === undefined && streamPrefix === undefined
    ? undefined
    : { ...(types === undefined ? {} : { eventTypes: types }), ...(streamPrefix === undefined ? {} : { streamPrefixes: [streamPrefix] }) };

export const matchesCorrelation = (query: AllQuery, event: RecordedEvent): boolean =>
  query.correlationId === undefined || event.metadata.correlationId === query.correlationId;

/** Events a page looks at, at most, for a filter the store cannot apply (the correlation id). */
export const SCAN_LIMIT = 10_000;

/**
 * A page of `$all` in position order. The store filters by type and stream prefix; the correlation id is matched
 * here, reading on until the page is full or `scanLimit` events were looked at. A page cut short by that bound says
 * where to go on in `next`, so a client pages through a sparse filter without the server reading `$all` at once.
 */
export const readAllPage = async (store: EventStore, query: AllQuery & { limit: number }, scanLimit = SCAN_LIMIT): Promise<AllPage> => {
  const filter = storeFilter(query);
  const scanning = query.correlationId !== undefined;
  const read = store.readAll({
    ...(query.fromPosition === undefined || query.fromPosition === 0n ? {} : { fromPosition: query.fromPosition }),
    ...(filter === undefined ? {} : { filter }),
    maxCount: (scanning ? scanLimit : query.limit) + 1,
  });
  const events: RecordedEvent[] = [];
  let scanned = 0;
  for await (const event of read) {
    if (scanned === scanLimit) return { events, next: event.position };
    scanned++;
    if (!matchesCorrelation(query, event)) continue;
    if (events.length === query.limit) return { events, next: event.position };
    events.push(event);
  }
  return { events, next: null };
};
