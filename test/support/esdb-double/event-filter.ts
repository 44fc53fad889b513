import { EVENT_TYPE, type Filter } from '@eventstore/db-client';
import type { StoredEvent } from './transaction-log.js';

export type EventFilter = (event: StoredEvent) => boolean;

/**
 * EventFilter.DefaultAllFilter (src/EventStore.Core/Services/Storage/ReaderIndex/EventFilter.cs, v24.10.0): what
 * `$all` never shows, filtered or not: the epoch information and persistent subscriptions' checkpoints and parked messages.
 */
export const defaultAllFilter: EventFilter = (event) =>
  event.stream[0] !== '$' ||
  !(
    event.stream === '$epochs' ||
    (event.stream.startsWith('$persistentsubscription-$all::') && (event.stream.endsWith('-checkpoint') || event.stream.endsWith('-parked')))
  );

/**
 * The server's filter for a client's filter on `$all` (Streams.Read.cs ConvertToEventFilter, then
 * EventFilter.EventType/StreamName.Prefixes/Regex with isAllStream: the default `$all` filter first).
 * .NET's Regex.IsMatch is unanchored, as RegExp.test is.
 */
export const serverFilterOf = (filter: Filter): EventFilter => {
  const field = (event: StoredEvent) => (filter.filterOn === EVENT_TYPE ? event.type : event.stream);
  if ('regex' in filter) {
    const regex = new RegExp(filter.regex);
    return (event) => defaultAllFilter(event) && regex.test(field(event));
  }
  const prefixes = filter.prefixes;
  return (event) => defaultAllFilter(event) && prefixes.some((prefix) => field(event).startsWith(prefix));
};
