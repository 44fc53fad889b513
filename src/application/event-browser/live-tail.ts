import { type EventStore, matchesFilter, type RecordedEvent } from '../ports/event-store.js';
import { type AllQuery, matchesCorrelation, storeFilter } from './event-pages.js';

/** Where a live tail starts: after an event already seen, from a position (included), or at the head (only what comes next). */
export type TailStart = { after: bigint } | { from: bigint } | 'head';

/** `$all` followed live, in position order; `close()` ends the iteration. */
export interface LiveTail extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

const firstOf = async (events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent | undefined> => {
  for await (const event of events) return event;
  return undefined;
};

/**
 * Catches up from `start` and follows new events, filtered as `query` says. Every position a caller gives is read
 * once before anything is sent, so that one the store cannot read from fails here, before the first event.
 */
export const openLiveTail = async (store: EventStore, query: AllQuery, start: TailStart): Promise<LiveTail> => {
  const filter = storeFilter(query);
  let first: RecordedEvent | undefined;
  let after: bigint;
  /** The events a subscription from the head may still deliver below an inclusive start (positions in between). */
  let floor = 0n;
  if (start === 'head') after = await store.headPosition();
  else if ('after' in start) {
    after = start.after;
    if (after > 0n) await firstOf(store.readAll({ fromPosition: after, maxCount: 1 }));
  } else if (start.from === 0n) after = 0n;
  else {
    first = await firstOf(store.readAll({ fromPosition: start.from, maxCount: 1 }));
    if (first) after = first.position;
    else {
      after = await store.headPosition();
      floor = start.from;
    }
  }
  const subscription = store.subscribeToAll({ ...(after > 0n ? { fromPosition: after } : {}), ...(filter === undefined ? {} : { filter }) });
  const wanted = (event: RecordedEvent) => event.position >= floor && matchesCorrelation(query, event);

  async function* events(): AsyncGenerator<RecordedEvent> {
    if (first && matchesFilter(filter, first.streamId, first.type) && matchesCorrelation(query, first)) yield first;
    for await (const event of subscription) if (wanted(event)) yield event;
  }
  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => subscription.close(),
  };
};
