import {
  type ExpectedRevision,
  type RecordedEvent,
  WrongExpectedVersionError,
} from '../../application/ports/event-store.js';

/** `current` is the stream's last revision, undefined when the stream does not exist. */
export const assertExpectedRevision = (
  streamId: string,
  expected: ExpectedRevision,
  current: bigint | undefined,
): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, current ?? 'no_stream');
};

/**
 * EventStoreDB's idempotent append: when every event of the batch was already appended, in order,
 * to the same stream at the position the caller expected, the append succeeds again without writing.
 * `stored` holds whatever events of the store carry the batch's ids.
 */
export const isRepeatOfStoredBatch = (
  streamId: string,
  eventIds: readonly string[],
  expected: ExpectedRevision,
  stored: readonly RecordedEvent[],
): boolean => {
  if (eventIds.length === 0 || stored.length !== eventIds.length) return false;
  const byId = new Map(stored.map((event) => [event.id, event]));
  const first = byId.get(eventIds[0]!);
  if (!first || first.streamId !== streamId) return false;
  const inOrder = eventIds.every((id, index) => {
    const event = byId.get(id);
    return event?.streamId === streamId && event.revision === first.revision + BigInt(index);
  });
  if (!inOrder) return false;
  if (typeof expected === 'bigint') return expected === first.revision - 1n;
  if (expected === 'no_stream') return first.revision === 0n;
  return true;
};
