import type { TransactionLog } from './transaction-log.js';

/** ExpectedVersion's special values (src/EventStore.Core/Data/ExpectedVersion.cs). */
export const EXPECTED_ANY = -2n;
export const EXPECTED_NO_STREAM = -1n;
export const EXPECTED_STREAM_EXISTS = -4n;

export type CommitDecision =
  | { kind: 'ok' }
  /** `current` is the stream's last event number, -1 when it has none. */
  | { kind: 'wrong-expected-version'; current: bigint }
  | { kind: 'idempotent'; lastRevision: bigint; lastPosition: bigint }
  /** The same write is in the log but not yet indexed: the server drops this one without an answer. */
  | { kind: 'idempotent-not-ready' };

/**
 * IndexWriter.CheckCommit at v24.10.0 (src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs), run by the
 * single writer thread on the writer's view of the log. Left out: deleted and soft-deleted streams, stream
 * metadata, and the bound of the event-id cache (`_committedEvents`), none of which the adapter uses.
 */
export const checkCommit = (log: TransactionLog, stream: string, expected: bigint, eventIds: readonly string[]): CommitDecision => {
  const current = log.writerVersion(stream);
  const wrong = { kind: 'wrong-expected-version', current } as const;
  if (expected === EXPECTED_STREAM_EXISTS && current < 0n) return wrong;

  const settled = (first: bigint, last: bigint): CommitDecision => {
    // `isReplicated`: the index already has the last event of the earlier write.
    if (log.indexedVersion(stream) < last) return { kind: 'idempotent-not-ready' };
    return { kind: 'idempotent', lastRevision: last, lastPosition: log.writtenEvent(stream, last)!.position };
  };

  if (expected === EXPECTED_ANY || expected === EXPECTED_STREAM_EXISTS) {
    let first: bigint | undefined;
    let last = -1n;
    for (const id of eventIds) {
      const written = log.writtenEventById(id);
      // The first id unknown: a new write. A later one unknown: "corrupted idempotency", answered as a wrong version.
      if (!written || written.stream !== stream) return first === undefined ? { kind: 'ok' } : wrong;
      first ??= written.revision;
      last = written.revision;
    }
    return first === undefined ? { kind: 'ok' } : settled(first, last);
  }

  if (expected < current) {
    let revision = expected;
    for (const id of eventIds) {
      revision++;
      if (log.writtenEvent(stream, revision)?.id === id) continue;
      return wrong;
    }
    return revision === expected ? wrong : settled(expected + 1n, revision);
  }
  if (expected > current) return wrong;
  return { kind: 'ok' };
};
