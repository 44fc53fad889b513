// Following causes: every event's metadata names the correlation id of the request it came from and the id of the
// event (or, for the request's own events, the correlation id) that caused it.

/**
 * The chain of causes of `event` among the events of its correlation, from the first (caused by the request itself)
 * to `event`; `complete` is false when a cause is not among them.
 */
export const causationChain = (event, events) => {
  const byId = new Map(events.map((candidate) => [candidate.eventId, candidate]));
  const chain = [event];
  const seen = new Set([event.eventId]);
  let current = event;
  while (current.metadata.causationId !== current.metadata.correlationId) {
    const cause = byId.get(current.metadata.causationId);
    if (!cause || seen.has(cause.eventId)) return { chain: chain.reverse(), complete: false };
    chain.push(cause);
    seen.add(cause.eventId);
    current = cause;
  }
  return { chain: chain.reverse(), complete: true };
};

/** The events that name `event` as their cause. */
export const effectsOf = (event, events) => events.filter((candidate) => candidate.metadata.causationId === event.eventId);
