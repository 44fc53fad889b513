import { EPOCH_RECORD_SIZE, prepareSizeOnDisk } from './record-size.js';

/** An event as the client proposed it, in the bytes the server stores. */
export interface ProposedEvent {
  id: string;
  type: string;
  contentType: 'application/json' | 'application/octet-stream';
  data: Uint8Array;
  metadata: Uint8Array;
}

/** An event record in the log: a prepare of an implicit transaction, so its commit and prepare positions are equal. */
export interface StoredEvent extends ProposedEvent {
  stream: string;
  revision: bigint;
  /** Where the record starts (its LogPosition): the event's commit and prepare position. */
  position: bigint;
  /** Where it ends, which is where the next record starts. */
  postPosition: bigint;
  created: Date;
}

type IndexedListener = (event: StoredEvent) => void;

/**
 * The server's transaction file and index, reduced to what the adapter can observe:
 *
 * - a write lands in the log at once (the writer's view: stream versions, the event-id cache used for
 *   idempotency) but is read, streamed to subscriptions and answered only once indexed
 *   (StorageWriterService writes and pre-commits; IndexCommitterService indexes and publishes CommitIndexed and
 *   EventCommitted; RequestManagerBase answers the client on CommitIndexed);
 * - reads see the index only: `lastIndexedPosition` is the LogPosition of the last indexed record
 *   (IndexCommitter.Commit, `Math.Max(lastPrepare.LogPosition, lastIndexedPosition)`).
 */
export class TransactionLog {
  private readonly records: StoredEvent[] = [];
  private indexedCount = 0;
  private end = BigInt(EPOCH_RECORD_SIZE);
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byId = new Map<string, StoredEvent>();
  private readonly listeners = new Set<IndexedListener>();

  /** Writes the events after the stream's current version (the writer's view), not yet indexed. */
  write(stream: string, events: readonly ProposedEvent[]): StoredEvent[] {
    const streamEvents = this.streams.get(stream) ?? [];
    this.streams.set(stream, streamEvents);
    const created = new Date();
    return events.map((event) => {
      const size = BigInt(prepareSizeOnDisk(stream, event.type, event.data, event.metadata));
      const stored: StoredEvent = { ...event, stream, revision: BigInt(streamEvents.length), position: this.end, postPosition: this.end + size, created };
      this.end = stored.postPosition;
      this.records.push(stored);
      streamEvents.push(stored);
      this.byId.set(stored.id, stored);
      return stored;
    });
  }

  /** Indexes everything written so far, telling live subscriptions of each event in log order. */
  indexWritten(): void {
    while (this.indexedCount < this.records.length) {
      const event = this.records[this.indexedCount++]!;
      for (const listener of this.listeners) listener(event);
    }
  }

  get hasUnindexed(): boolean {
    return this.indexedCount < this.records.length;
  }

  onIndexed(listener: IndexedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** LogPosition of the last indexed record (the epoch record's, 0, when there is none). */
  get lastIndexedPosition(): bigint {
    return this.indexedCount === 0 ? 0n : this.records[this.indexedCount - 1]!.position;
  }

  /** Where the next record will be written (the writer checkpoint). */
  get endOfLog(): bigint {
    return this.end;
  }

  /** Last event number of the stream as the writer knows it, indexed or not; -1 for none. */
  writerVersion(stream: string): bigint {
    return BigInt((this.streams.get(stream)?.length ?? 0) - 1);
  }

  /** Last event number of the stream in the index; -1 for none. */
  indexedVersion(stream: string): bigint {
    const events = this.streams.get(stream) ?? [];
    let count = events.length;
    while (count > 0 && !this.isIndexed(events[count - 1]!)) count--;
    return BigInt(count - 1);
  }

  writtenEvent(stream: string, revision: bigint): StoredEvent | undefined {
    return revision < 0n ? undefined : this.streams.get(stream)?.[Number(revision)];
  }

  writtenEventById(id: string): StoredEvent | undefined {
    return this.byId.get(id);
  }

  /** The indexed events of a stream, in revision order. */
  indexedStream(stream: string): StoredEvent[] {
    return (this.streams.get(stream) ?? []).filter((event) => this.isIndexed(event));
  }

  /** Index (into the indexed records) of the first record at or after `position`. */
  firstIndexedAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.indexedCount;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  indexedRecord(index: number): StoredEvent | undefined {
    return index >= 0 && index < this.indexedCount ? this.records[index] : undefined;
  }

  get indexedRecordCount(): number {
    return this.indexedCount;
  }

  /** A position where a record starts (or the epoch record, at 0): the only places a forward read can start. */
  isRecordStart(position: bigint): boolean {
    if (position === 0n) return true;
    const index = this.firstIndexedAtOrAfter(position);
    return this.records[index]?.position === position;
  }

  /** A position where a record ends: the only places a backward read can start (it takes positions as ends of records). */
  isRecordEnd(position: bigint): boolean {
    return position === BigInt(EPOCH_RECORD_SIZE) || position === this.end || this.isRecordStart(position);
  }

  private isIndexed(event: StoredEvent): boolean {
    const last = this.indexedCount === 0 ? undefined : this.records[this.indexedCount - 1];
    return last !== undefined && event.position <= last.position;
  }
}
