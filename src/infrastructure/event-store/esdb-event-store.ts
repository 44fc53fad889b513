import {
  type AppendResult as ClientAppendResult,
  BACKWARDS,
  type Direction as ClientDirection,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  type JSONType,
  type ReadPosition,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AllSubscription,
  type AppendOptions,
  type AppendResult,
  type Direction,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  matchesFilter,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  InvalidPositionError,
  type SubscribeToAllOptions,
  WrongExpectedVersionError,
} from '../../application/ports/event-store.js';
import { DEFAULT_TUNING, EsdbAllSubscription, type SubscriptionTuning } from './esdb/all-subscription.js';
import { appendWithRetry } from './esdb/append-retry.js';
import { readFilteredForwards } from './esdb/filtered-read.js';
import type { EsdbClient } from './esdb/esdb-client.js';
import { defaultEsdbLog, type EsdbLog } from './esdb/esdb-log.js';
import { knownPosition, toClientPosition } from './esdb/positions.js';
import { isSystemEvent, toRecordedEvent } from './esdb/recorded-event.js';
import { toActualRevision, toClientExpectedRevision } from './esdb/revisions.js';
import { readOrMakeStoreId } from './esdb/store-id.js';
import { isInvalidPosition } from './esdb/subscription-errors.js';
import { assertExpectedRevision } from './expected-revision.js';

const toJsonEvent = (event: EventData) =>
  jsonEvent({ id: event.id, type: event.type, data: event.data as JSONType, metadata: event.metadata });

/**
 * The production event store: EventStoreDB (or KurrentDB) over gRPC, through the official client. Written against
 * client 6.2.1 and the 24.10 server sources, and verified on a double of the client; esdb/README.md says what, and how.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EsdbClient;
  private readonly log: EsdbLog;
  private readonly tuning: SubscriptionTuning;
  private readonly subscriptions = new Set<EsdbAllSubscription>();
  private identity: Promise<string> | undefined;

  /** A connection string, e.g. `esdb://localhost:2113?tls=false`, or a client already made (a double, in specs). */
  constructor(connection: string | EsdbClient, options: { log?: EsdbLog; subscriptions?: Partial<SubscriptionTuning> } = {}) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
    this.log = options.log ?? defaultEsdbLog();
    this.tuning = { ...DEFAULT_TUNING, ...options.subscriptions };
  }

  async appendToStream(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) return this.appendNothing(stream, expected);
    let result: ClientAppendResult;
    try {
      const proposed = events.map(toJsonEvent);
      const expectedRevision = toClientExpectedRevision(expected);
      result = await appendWithRetry(
        () => this.client.appendToStream(stream, proposed, { expectedRevision }),
        (error, attempt) => this.log.warn({ err: error, stream, attempt }, 'EventStoreDB left an append unanswered; sending the same events again'),
      );
    } catch (error) {
      if (error instanceof ClientWrongExpectedVersionError) {
        throw new WrongExpectedVersionError(stream, expected, toActualRevision(error.actualVersion));
      }
      throw error;
    }
    // Appends from other processes are found by the subscriptions' idle probe; ours can be looked for at once.
    for (const subscription of this.subscriptions) subscription.nudge();
    // Only with `throwOnAppendFailure=false` in the connection string, whose batch path misreports the revision.
    if (!result.success) throw new WrongExpectedVersionError(stream, expected, await this.lastRevision(stream));
    return {
      nextExpectedRevision: result.nextExpectedRevision,
      // Servers before 22.6 give no position for an idempotent re-append: read it back.
      position: knownPosition(result.position?.commit) ?? (await this.positionAt(stream, result.nextExpectedRevision)),
    };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision ?? (backwards ? END : START),
      maxCount: options.maxCount,
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      // Thrown while iterating, not by readStream() itself.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (maxCount <= 0) return;
    let count = 0;
    const direction = options.direction ?? 'forwards';
    // Backwards, the client's readAll can only read everything (it always sends NoFilter): the filter applies here.
    const events =
      options.filter && direction === 'forwards'
        ? readFilteredForwards(this.client, options.filter, options.fromPosition)
        : this.userEvents(direction, options.fromPosition);
    try {
      for await (const event of events) {
        if (!matchesFilter(options.filter, event.streamId, event.type)) continue;
        yield event;
        if (++count >= maxCount) return;
      }
    } catch (error) {
      if (options.fromPosition !== undefined && isInvalidPosition(error)) throw new InvalidPositionError(options.fromPosition, { cause: error });
      throw error;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const subscription: EsdbAllSubscription = new EsdbAllSubscription(
      {
        open: (clientOptions) => this.client.subscribeToAll(clientOptions),
        readAll: (readOptions) => this.client.readAll(readOptions),
        log: this.log,
        tuning: this.tuning,
        onClosed: () => this.subscriptions.delete(subscription),
      },
      options,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Subscriptions still running: each holds a gRPC call to the server. */
  get openSubscriptions(): number {
    return this.subscriptions.size;
  }

  async headPosition(): Promise<bigint> {
    // The newest records are often the system projections' links: skip past them to the newest event of ours.
    for await (const event of this.read(BACKWARDS, END)) return event.position;
    return 0n;
  }

  storeId(): Promise<string> {
    this.identity ??= readOrMakeStoreId(this).catch((error: unknown) => {
      this.identity = undefined;
      throw error;
    });
    return this.identity;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  /** `$all` without system events, from a position included in either direction. */
  private async *userEvents(direction: Direction, fromPosition: bigint | undefined): AsyncGenerator<RecordedEvent> {
    const backwards = direction === 'backwards';
    if (fromPosition === undefined) {
      yield* this.read(backwards ? BACKWARDS : FORWARDS, backwards ? END : START);
      return;
    }
    if (backwards) {
      // Backwards, EventStoreDB reads from *before* the position (its AllReader takes it as the end of a record),
      // so the event at the position itself comes from a forward read of one.
      for await (const event of this.read(FORWARDS, toClientPosition(fromPosition), 1)) {
        if (event.position === fromPosition) yield event;
      }
    }
    yield* this.read(backwards ? BACKWARDS : FORWARDS, toClientPosition(fromPosition));
  }

  private async *read(direction: ClientDirection, fromPosition: ReadPosition, maxCount?: number): AsyncGenerator<RecordedEvent> {
    const read = this.client.readAll({ direction, fromPosition, maxCount });
    let complete = false;
    try {
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event && !isSystemEvent(event)) yield event;
      }
      complete = true;
    } finally {
      // A reader that stops early would leave the gRPC call open ($all reads have no deadline).
      if (!complete) await read.cancel().catch(() => undefined);
    }
  }

  /** EventStoreDB answers an empty append without a position (and 0 for a missing stream's revision). */
  private async appendNothing(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    assertExpectedRevision(stream, expected, last?.revision);
    return { nextExpectedRevision: last?.revision ?? -1n, position: last?.position ?? 0n };
  }

  private async lastRevision(stream: string): Promise<bigint | 'no_stream'> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last?.revision ?? 'no_stream';
  }

  private async positionAt(stream: string, revision: bigint): Promise<bigint> {
    const [event] = await this.readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`${stream}@${revision} was appended but cannot be read back`);
    return event.position;
  }
}
