import type { EventFilter } from './event-filter.js';
import { compareTfPos, type TfPos, tfPos } from './tf-position.js';
import type { StoredEvent, TransactionLog } from './transaction-log.js';

/** A read at a position inside a record (InvalidReadException in the chunk reader). */
export class InvalidPositionError extends Error {
  override readonly name = 'InvalidPositionError';
}

export interface ForwardPage {
  events: StoredEvent[];
  /** The position the page was read from. */
  currentPos: TfPos;
  /** Where the next page starts: (post-position of the last record considered, 0). */
  nextPos: TfPos;
  isEndOfStream: boolean;
  consideredEventsCount: number;
}

/**
 * AllReader.ReadAllEventsForwardInternal (src/EventStore.Core/Services/Storage/ReaderIndex/AllReader.cs, v24.10.0)
 * over implicit transactions. A page ends after `maxCount` matching events or `maxSearchWindow` considered ones;
 * it reaches the end of the stream when the next record is past the last indexed one. Every event at or after
 * `pos` counts as considered, whether the filter keeps it or not.
 */
export const readForwardPage = (log: TransactionLog, pos: TfPos, maxCount: number, maxSearchWindow: number, filter: EventFilter): ForwardPage => {
  // StorageReaderWorker.FilteredReadAllEventsForward: negative positions are invalid.
  if (pos.commit < 0n || pos.prepare < 0n) throw new InvalidPositionError(`negative position ${pos.commit}/${pos.prepare}`);
  const events: StoredEvent[] = [];
  let nextPos = pos;
  let considered = 0;
  let isEndOfStream = false;
  let nextCommitPos = pos.commit;
  while (events.length < maxCount && considered < maxSearchWindow) {
    if (nextCommitPos > log.lastIndexedPosition) {
      isEndOfStream = true;
      break;
    }
    if (!log.isRecordStart(nextCommitPos)) throw new InvalidPositionError(`no record starts at ${nextCommitPos}`);
    // The epoch record at 0 is not commit-alike: skipped until the first prepare.
    const record = log.indexedRecord(log.firstIndexedAtOrAfter(nextCommitPos));
    if (!record) break;
    nextCommitPos = record.postPosition;
    if (compareTfPos(tfPos(record.position), pos) >= 0) {
      considered++;
      if (filter(record)) events.push(record);
      nextPos = tfPos(record.postPosition, 0n);
    }
  }
  return { events, currentPos: pos, nextPos, isEndOfStream, consideredEventsCount: considered };
};

/**
 * AllReader.ReadAllEventsBackwardInternal: `pos` is taken as the end of a record, so the read starts with the
 * record that ends there, never the one that starts there.
 */
export const readBackwardPage = (log: TransactionLog, pos: bigint, maxCount: number, filter: EventFilter): { events: StoredEvent[]; nextPos: bigint } => {
  if (!log.isRecordEnd(pos)) throw new InvalidPositionError(`no record ends at ${pos}`);
  const events: StoredEvent[] = [];
  let index = log.firstIndexedAtOrAfter(pos) - 1;
  let nextPos = pos;
  while (events.length < maxCount && index >= 0) {
    const record = log.indexedRecord(index--)!;
    nextPos = record.position;
    if (filter(record)) events.push(record);
  }
  return { events, nextPos };
};
