import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type AppendResult,
  BACKWARDS,
  END,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  START,
  type StreamingRead,
  StreamNotFoundError,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { EsdbClient } from '../../../src/infrastructure/event-store/esdb/esdb-client.js';
import { InvalidPositionError, readBackwardPage, readForwardPage } from './all-reader.js';
import { appendTimedOut, invalidPositionOnRead, unavailable, wrongExpectedVersion } from './client-errors.js';
import { toAllResolvedEvent, toStreamResolvedEvent } from './client-records.js';
import { checkCommit, EXPECTED_ANY, EXPECTED_NO_STREAM, EXPECTED_STREAM_EXISTS } from './commit-check.js';
import { defaultAllFilter, serverFilterOf } from './event-filter.js';
import { type CheckpointBehaviour, FilteredAllSubscription } from './filtered-all-subscription.js';
import { StreamingReadDouble } from './streaming-read-double.js';
import { SubscriptionDouble } from './subscription-double.js';
import { tfPos } from './tf-position.js';
import { type ProposedEvent, type StoredEvent, TransactionLog } from './transaction-log.js';

export interface EsdbClientDoubleOptions {
  /** Which server's subscription checkpoints; default '24.10.0', the oldest the compose image can run. */
  checkpoints?: CheckpointBehaviour;
  /** The server's --write-timeout-ms (default 2000): how long an append waits for its write before Status.Timeout. */
  writeTimeoutMs?: number;
  /** How long after a write it is indexed (readable, streamed live, answered). */
  indexingDelayMs?: number;
}

/** Enumerator.cs ReadBatchSize: reads go to the storage reader 32 records at a time. */
const READ_BATCH_SIZE = 32;
const ULONG_MAX = 2n ** 64n - 1n;

const utf8 = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

/** batchAppend.js eventBatcher: JSON data and metadata are sent as their JSON text; no metadata is empty. */
const toProposed = (event: EventData): ProposedEvent => ({
  id: event.id,
  type: event.type,
  contentType: event.contentType,
  data: event.contentType === 'application/json' ? utf8(event.data) : event.data,
  metadata: event.metadata === undefined ? new Uint8Array() : event.metadata instanceof Uint8Array ? event.metadata : utf8(event.metadata),
});

const toExpectedVersion = (expected: AppendExpectedRevision): bigint =>
  expected === 'any' ? EXPECTED_ANY : expected === 'no_stream' ? EXPECTED_NO_STREAM : expected === 'stream_exists' ? EXPECTED_STREAM_EXISTS : expected;

/** A request crosses the network: the server never answers within the caller's own turn. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A stand-in for `EventStoreDBClient` 6.2.1 talking to a single EventStoreDB v24.10 node, over an in-memory log whose
 * positions are byte offsets of records (so a position inside a record, or past the last one, means what it means on
 * a server). Each behaviour names the client or server source it follows.
 * Appends go through the BatchAppend path, as the client uses whenever the server supports it (appendToStream/index.js).
 */
export class EsdbClientDouble implements EsdbClient {
  readonly log = new TransactionLog();
  /** Records the double has sent to the client, by reads and subscriptions: what a call downloads. */
  recordsSent = 0;
  /** Append calls received. */
  appendsReceived = 0;
  /** Subscription calls made, including ones that failed at once. */
  subscriptionsOpened = 0;
  /** Times a live subscription lost live events to a slow consumer and went back to catching up. */
  fallsBehind = 0;
  private readonly checkpoints: CheckpointBehaviour;
  private readonly writeTimeoutMs: number;
  private readonly indexingDelayMs: number;
  private indexing: Promise<void> | undefined;
  private readonly subscriptions = new Set<FilteredAllSubscription>();
  private failAfterConfirmation: ((attempt: number) => Error | undefined) | undefined;
  private readonly withoutPositions = new Set<string>();
  private answersToLose = 0;

  constructor(options: EsdbClientDoubleOptions = {}) {
    this.checkpoints = options.checkpoints ?? '24.10.0';
    this.writeTimeoutMs = options.writeTimeoutMs ?? 2_000;
    this.indexingDelayMs = options.indexingDelayMs ?? 1;
    // EpochManager writes $epoch-information right after the epoch record; $all never shows it (DefaultAllFilter).
    this.log.write('$epochs', [
      { id: '00000000-0000-4000-8000-000000000000', type: '$epoch-information', contentType: 'application/json', data: utf8({ epochNumber: 0 }), metadata: new Uint8Array() },
    ]);
    this.log.indexWritten();
  }

  async appendToStream(streamName: string, events: EventData[], options: { expectedRevision: AppendExpectedRevision }): Promise<AppendResult> {
    this.appendsReceived++;
    const answer = this.append(streamName, events, options);
    if (this.answersToLose === 0) return answer;
    this.answersToLose--;
    await answer.catch(() => undefined);
    throw unavailable();
  }

  private async append(streamName: string, events: EventData[], options: { expectedRevision: AppendExpectedRevision }): Promise<AppendResult> {
    const proposed = events.map(toProposed);
    await nextTurn();
    const decision = checkCommit(this.log, streamName, toExpectedVersion(options.expectedRevision), proposed.map((event) => event.id));
    switch (decision.kind) {
      case 'wrong-expected-version':
        throw wrongExpectedVersion(streamName, decision.current, options.expectedRevision);
      case 'idempotent':
        // StorageMessage.AlreadyCommitted: the position of the last event of the earlier write (given since 22.6).
        return { success: true, nextExpectedRevision: decision.lastRevision, position: { commit: decision.lastPosition, prepare: decision.lastPosition } };
      case 'idempotent-not-ready':
        // StorageWriterService.ActOnCommitCheckFailure drops the write; the request times out.
        await sleep(this.writeTimeoutMs);
        throw appendTimedOut();
      case 'ok': {
        if (proposed.length === 0) return { success: true, nextExpectedRevision: this.log.writerVersion(streamName), position: undefined };
        const last = this.log.write(streamName, proposed).at(-1)!;
        await this.indexSoon();
        // CommitAck/CommitIndexed carry the LogPosition of the transaction's last prepare.
        return { success: true, nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
      }
    }
  }

  readStream(streamName: string, options: ReadStreamOptions): StreamingRead<ResolvedEvent> {
    const backwards = options.direction === BACKWARDS;
    const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromRevision ?? START;
    const log = this.log;
    const count = () => this.recordsSent++;
    return new StreamingReadDouble(
      (function* () {
        const events = log.indexedStream(streamName);
        // ReadResp.StreamNotFound: ReadStream.js destroys the call with a StreamNotFoundError.
        if (events.length === 0) throw new StreamNotFoundError(undefined, streamName);
        const last = BigInt(events.length - 1);
        const start = from === START ? 0n : from === END ? last : from;
        const ordered = backwards ? events.filter((event) => event.revision <= start).reverse() : events.filter((event) => event.revision >= start);
        for (const event of ordered.slice(0, maxCount)) {
          count();
          yield toStreamResolvedEvent(event);
        }
      })(),
    );
  }

  readAll(options: ReadAllOptions): StreamingRead<AllStreamResolvedEvent> {
    const backwards = options.direction === BACKWARDS;
    const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromPosition ?? START;
    const log = this.log;
    const present = (event: StoredEvent) => {
      this.recordsSent++;
      return this.present(event);
    };
    return new StreamingReadDouble(
      (function* () {
        let sent = 0;
        try {
          if (backwards) {
            // ReadAllBackwards: END is the end of the log; a position is taken as the end of a record.
            let position = from === END ? log.endOfLog : from === START ? 0n : from.commit;
            while (sent < maxCount) {
              const page = readBackwardPage(log, position, Math.min(READ_BATCH_SIZE, maxCount - sent), defaultAllFilter);
              if (page.events.length === 0 && page.nextPos === position) return;
              for (const event of page.events) {
                sent++;
                yield present(event);
              }
              position = page.nextPos;
            }
            return;
          }
          // ReadAllForwards: from a position inclusive, page after page until the end of the stream.
          if (from === END) return;
          let position = from === START ? tfPos(0n) : tfPos(from.commit, from.prepare);
          while (sent < maxCount) {
            const page = readForwardPage(log, position, Math.min(READ_BATCH_SIZE, maxCount - sent), Number.MAX_SAFE_INTEGER, defaultAllFilter);
            for (const event of page.events) {
              sent++;
              yield present(event);
            }
            if (page.isEndOfStream || page.consideredEventsCount === 0) return;
            position = page.nextPos;
          }
        } catch (error) {
          throw error instanceof InvalidPositionError ? invalidPositionOnRead() : error;
        }
      })(),
    );
  }

  subscribeToAll(options: SubscribeToAllOptions): AllStreamSubscription {
    const filter = options.filter;
    if (!filter) throw new Error('the double serves filtered subscriptions to $all only (the adapter always filters)');
    // subscribeToAll.js validates these before any call is made.
    if (typeof filter.maxSearchWindow === 'number' && filter.maxSearchWindow <= 0) throw new Error('MaxSearchWindow must be greater than 0.');
    if (filter.checkpointInterval <= 0) throw new Error('CheckpointInterval must be greater than 0.');
    const from = options.fromPosition ?? START;
    const attempt = ++this.subscriptionsOpened;
    const server = new FilteredAllSubscription(
      this.log,
      this.checkpoints,
      {
        from: from === START ? 'start' : from === END ? 'end' : from,
        filter: serverFilterOf(filter),
        maxSearchWindow: filter.maxSearchWindow,
        checkpointIntervalMultiplier: filter.checkpointInterval,
      },
      { afterConfirmation: () => this.failAfterConfirmation?.(attempt), fellBehind: () => this.fallsBehind++ },
    );
    this.subscriptions.add(server);
    const source = {
      next: async () => {
        const message = await server.next().catch((error: unknown) => {
          this.subscriptions.delete(server);
          throw error;
        });
        if (message === undefined) this.subscriptions.delete(server);
        if (message?.kind === 'event') this.recordsSent++;
        return message;
      },
      cancel: () => {
        this.subscriptions.delete(server);
        server.cancel();
      },
    };
    return new SubscriptionDouble(source, filter.checkpointReached, (event) => this.present(event));
  }

  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.cancel();
    this.subscriptions.clear();
  }

  /** Subscription calls the server is still serving. */
  get openSubscriptions(): number {
    return this.subscriptions.size;
  }

  // Faults, injected by specs: not server behaviour, but what a network, a restart or another tool can cause.

  /** Ends every subscription call now with `error` (a connection lost, a node restarting). */
  dropSubscriptions(error: Error): void {
    for (const subscription of this.subscriptions) subscription.fail(error);
    this.subscriptions.clear();
  }

  /** Each subscription call, numbered from 1, fails with the error returned for it (if any) right after its confirmation. */
  failSubscriptionsAfterConfirmation(failure: ((attempt: number) => Error | undefined) | undefined): void {
    this.failAfterConfirmation = failure;
  }

  /** The next `count` appends are carried out, but the connection drops before their answer reaches the client. */
  loseAnswersToNextAppends(count: number): void {
    this.answersToLose = count;
  }

  /** The client gets this event with the positions a server sends when it has none (ulong.MaxValue). */
  sendWithoutPositions(eventId: string): void {
    this.withoutPositions.add(eventId);
  }

  private present(event: StoredEvent): AllStreamResolvedEvent {
    const resolved = toAllResolvedEvent(event);
    if (!this.withoutPositions.has(event.id) || !resolved.event) return resolved;
    return { event: { ...resolved.event, position: { commit: ULONG_MAX, prepare: ULONG_MAX } }, commitPosition: ULONG_MAX };
  }

  /** One indexing pass shortly after the first write that needs it; every write until then is indexed with it. */
  private indexSoon(): Promise<void> {
    this.indexing ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.indexing = undefined;
        this.log.indexWritten();
        resolve();
      }, this.indexingDelayMs),
    );
    return this.indexing;
  }
}
