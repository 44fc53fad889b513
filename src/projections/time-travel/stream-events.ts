import type { EventStore, RecordedEvent } from '../../application/ports/event-store.js';

const PAGE = 500;

/** A stream forwards from `fromRevision`, read a page at a time as the consumer goes. */
export async function* streamEvents(store: EventStore, stream: string, fromRevision = 0n): AsyncGenerator<RecordedEvent> {
  let next = fromRevision;
  for (;;) {
    const page = await store.readStream(stream, { fromRevision: next, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    next = page[page.length - 1]!.revision + 1n;
  }
}

/**
 * The first revision of `stream` recorded after `position`, or null when none is: a binary search over revisions
 * (positions grow with them), so a long stream is not read from its start to find where an order's events begin.
 */
export const firstRevisionAfter = async (store: EventStore, stream: string, position: bigint): Promise<bigint | null> => {
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  if (!last || last.position <= position) return null;
  let low = 0n;
  let high = last.revision;
  while (low < high) {
    const middle = (low + high) / 2n;
    const [event] = await store.readStream(stream, { fromRevision: middle, maxCount: 1 });
    if (event !== undefined && event.position > position) high = middle;
    else low = middle + 1n;
  }
  return low;
};

/** Several position-ordered sources as one, in position order. */
export async function* mergedByPosition(sources: readonly AsyncIterable<RecordedEvent>[]): AsyncGenerator<RecordedEvent> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  try {
    const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
    for (;;) {
      let first = -1;
      for (let index = 0; index < heads.length; index++) {
        const head = heads[index]!;
        if (!head.done && (first === -1 || head.value.position < (heads[first]!.value as RecordedEvent).position)) first = index;
      }
      if (first === -1) return;
      yield heads[first]!.value as RecordedEvent;
      heads[first] = await iterators[first]!.next();
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return?.()));
  }
}
