/**
 * The event store port, with EventStoreDB semantics whatever the adapter.
 *
 * Positions are global and strictly increasing; a stream's revisions count from 0.
 * `readAll({ fromPosition })` includes the event at that position (as EventStoreDB does);
 * `subscribeToAll({ fromPosition })` starts strictly *after* it, so a stored checkpoint can be passed as is.
 */

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventMetadata {
  correlationId: string;
  causationId: string;
  userId?: string;
  traceparent?: string;
  /**
   * The idempotency key of the request whose command appended the event (hashed with its caller and URL), and the
   * fingerprint of that request's body: a repeat of the request finds them here (see commands/request-keys.ts).
   */
  idempotencyKey?: string;
  requestFingerprint?: string;
  /** Version of the event's payload schema, for upcasting on read. */
  schemaVersion?: number;
}

export interface EventData<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> extends EventData<Type, Data> {
  streamId: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event in the stream after the append. */
  nextExpectedRevision: bigint;
  /** Global position of the last event appended. */
  position: bigint;
  /**
   * Global position of each event appended, in order, where the store has them at hand (the embedded stores).
   * EventStoreDB answers only the last one.
   */
  positions?: readonly bigint[];
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  maxCount?: number;
}

export interface AllFilter {
  streamPrefixes?: readonly string[];
  eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  direction?: Direction;
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromPosition?: bigint;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events after this position. Omit to start from the beginning. */
  fromPosition?: bigint;
  filter?: AllFilter;
  /**
   * Called when every event up to `position` (matching the filter or not) has been delivered and the
   * subscription is waiting for more: lets a consumer whose filter skips most events know how far it is.
   */
  onIdle?: (position: bigint) => void;
}

/** Catch-up then live, in order. Consume with `for await`; `close()` ends the iteration. */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  /**
   * The position the subscription has read up to, counting events its filter skipped
   * (EventStoreDB reports it through checkpoints). Undefined until it has read something.
   */
  readonly scannedPosition: bigint | undefined;
  close(): Promise<void>;
}

export interface EventStore {
  appendToStream(stream: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** Resolves to an empty list when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Position of the newest event in the store, 0n when it is empty. */
  headPosition(): Promise<bigint>;
  /**
   * The store's identity: an id made when its data is new and kept with it, so that every handle on the same data
   * gives the same one and another store (a wiped one too) another. Asking moves no position and shows in no read.
   * The read models keep it, to tell when they were built from another store (see projections/read-model-origin.ts).
   */
  storeId(): Promise<string>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** A read from a position that is not where an event starts (EventStoreDB's positions are offsets in its log). */
export class InvalidPositionError extends Error {
  override readonly name = 'InvalidPositionError';
  constructor(
    readonly position: bigint,
    options?: ErrorOptions,
  ) {
    super(`no event starts at position ${position}`, options);
  }
}

export const matchesFilter = (filter: AllFilter | undefined, streamId: string, type: string): boolean => {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => streamId.startsWith(prefix))) return false;
  return true;
};
