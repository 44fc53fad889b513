import {
  type AllStreamSubscription,
  eventTypeFilter,
  excludeSystemEvents,
  type Filter,
  type Position,
  streamNameFilter,
} from '@eventstore/db-client';
import type { AllFilter } from '../../../application/ports/event-store.js';

export type CheckpointReached = (subscription: AllStreamSubscription, position: Position) => void;

/** A .NET regex that matches nothing, for an empty list (the server's own reading of an empty prefix list is unclear). */
const NOTHING = '(?!)';

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The filter EventStoreDB applies before sending events, so a subscription does not ship all of `$all`.
 * The server takes one expression, on event type or on stream name: with both criteria the types go to the
 * server. The subscription still checks the whole filter itself; this is only what the server can spare it.
 */
export const serverFilter = (filter: AllFilter | undefined, checkpointReached: CheckpointReached): Filter => {
  if (filter?.eventTypes) {
    const types = filter.eventTypes.map(escapeRegex);
    return eventTypeFilter({ regex: types.length > 0 ? `^(?:${types.join('|')})$` : NOTHING, checkpointReached });
  }
  if (filter?.streamPrefixes) {
    return filter.streamPrefixes.length > 0
      ? streamNameFilter({ prefixes: [...filter.streamPrefixes], checkpointReached })
      : streamNameFilter({ regex: NOTHING, checkpointReached });
  }
  return excludeSystemEvents({ checkpointReached });
};
