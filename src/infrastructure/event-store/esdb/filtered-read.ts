import { type AllStreamResolvedEvent, BACKWARDS, END, FORWARDS, START } from '@eventstore/db-client';
import { type AllFilter, matchesFilter, type RecordedEvent } from '../../../application/ports/event-store.js';
import { caughtUpEvents } from './caught-up-events.js';
import type { EsdbClient } from './esdb-client.js';
import { positionOf, toClientPosition } from './positions.js';
import { isSystemEvent, toRecordedEvent } from './recorded-event.js';
import { serverFilter } from './server-filter.js';

const wanted = (filter: AllFilter, resolved: AllStreamResolvedEvent): RecordedEvent | undefined => {
  const event = toRecordedEvent(resolved);
  return event && !isSystemEvent(event) && matchesFilter(filter, event.streamId, event.type) ? event : undefined;
};

const first = async (read: AsyncIterable<AllStreamResolvedEvent> & { cancel(): Promise<void> }): Promise<AllStreamResolvedEvent | undefined> => {
  try {
    for await (const resolved of read) return resolved;
    return undefined;
  } finally {
    await read.cancel().catch(() => undefined);
  }
};

/**
 * `$all` forwards, filtered by the server. The client's readAll always sends NoFilter (6.2.1 dist/streams/readAll.js),
 * which would download every record to keep a few; a subscription carries the filter (the server's
 * AllSubscriptionFiltered reads pages of the filtered index and sends only what passes, plus a checkpoint now and
 * then). It starts after `fromPosition` (the event at that position, included by the port's readAll, is read
 * directly) and stops at the head as it was when the read began.
 */
export async function* readFilteredForwards(client: EsdbClient, filter: AllFilter, fromPosition: bigint | undefined): AsyncGenerator<RecordedEvent> {
  const newest = await first(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
  const head = newest && positionOf(newest);
  if (head === undefined) return;
  if (fromPosition !== undefined) {
    const atPosition = await first(client.readAll({ direction: FORWARDS, fromPosition: toClientPosition(fromPosition), maxCount: 1 }));
    const event = atPosition && positionOf(atPosition) === fromPosition ? wanted(filter, atPosition) : undefined;
    if (event) yield event;
    if (fromPosition >= head) return;
  }
  const subscription = client.subscribeToAll({
    fromPosition: fromPosition === undefined ? START : toClientPosition(fromPosition),
    filter: serverFilter(filter, () => undefined),
  });
  try {
    for await (const resolved of caughtUpEvents(subscription)) {
      const position = positionOf(resolved);
      if (position === undefined || position > head) return;
      const event = wanted(filter, resolved);
      if (event) yield event;
      if (position === head) return;
    }
  } finally {
    await subscription.unsubscribe().catch(() => undefined);
    subscription.destroy();
  }
}
