import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Position,
  START,
  type SubscribeToAllOptions as ClientSubscribeOptions,
} from '@eventstore/db-client';
import {
  type AllSubscription,
  matchesFilter,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../../../application/ports/event-store.js';
import { readCheckpoint } from './checkpoint-position.js';
import type { EsdbLog } from './esdb-log.js';
import { passSkipped, type ReadAll } from './pass-skipped.js';
import { positionOf, toClientPosition } from './positions.js';
import { isSystemEvent, toRecordedEvent } from './recorded-event.js';
import { serverFilter } from './server-filter.js';
import { isPermanent, RecordDecodingError, SubscriptionFailedError } from './subscription-errors.js';

export type OpenSubscription = (options: ClientSubscribeOptions) => AllStreamSubscription;

export interface SubscriptionTuning {
  /** Drops in a row, each without an event, checkpoint or catch-up in between, before the subscription fails. */
  maxDrops: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** How often an idle subscription looks for records its filter skipped that no checkpoint has covered. */
  idleProbeMs: number;
}

/**
 * Some two minutes of drops in a row (6 s of doubling delays, then 5 s apart) before giving up: a node restarting,
 * even one verifying a large index, is waited for; a server gone for good, or refusing every call, is reported.
 */
export const DEFAULT_TUNING: SubscriptionTuning = { maxDrops: 30, retryMinMs: 100, retryMaxMs: 5_000, idleProbeMs: 250 };

export interface SubscriptionDeps {
  open: OpenSubscription;
  readAll: ReadAll;
  log: EsdbLog;
  tuning: SubscriptionTuning;
  onClosed: () => void;
}

/** Cancels the gRPC call (destroying the stream alone leaves it open) and drops what is buffered. */
const stop = async (subscription: AllStreamSubscription): Promise<void> => {
  // Rejects only when the call never started, which the subscription has already reported as its error.
  await subscription.unsubscribe().catch(() => undefined);
  subscription.destroy();
};

class SubscriptionEnded extends Error {
  override readonly name = 'SubscriptionEnded';
  constructor() {
    super('EventStoreDB ended the subscription');
  }
}

/**
 * A catch-up subscription to `$all` that survives drops: EventStoreDB does not resume a dropped subscription,
 * so on an error worth retrying it subscribes again after the last event it delivered, after a backoff; errors a
 * new subscription would meet again, and drops that keep coming, end the iteration with the error. The consumer
 * sees one ordered stream, each event once.
 *
 * How far it has read (`scannedPosition`, `onIdle`) is always the position of a record it has read or passed,
 * never a server checkpoint as such (see checkpoint-position.ts): a position another subscription can start from.
 */
export class EsdbAllSubscription implements AllSubscription {
  /** Position of the last event handed to the consumer: where a new subscription starts (exclusive). */
  private delivered: bigint | undefined;
  private scanned: bigint | undefined;
  /** Record positions from checkpoints, not yet known to be behind everything the consumer has handled. */
  private pending: bigint[] = [];
  /** The furthest checkpoint of the current call: every record before it was considered by the server. */
  private bound: bigint | undefined;
  private current: AllStreamSubscription | undefined;
  /** The current call has caught up once: when its buffer is empty, it waits for new events. */
  private caughtUp = false;
  /** The consumer has handled every event yielded so far and waits for the next one. */
  private waiting = false;
  /** Counts records taken from the call (and new calls), so that a probe overtaken by one is dropped. */
  private taken = 0;
  /** Something happened that a probe should look past (catch-up ended, a checkpoint, an append): at the next idle moment. */
  private probeOwed = false;
  private probing = false;
  private probeAgain = false;
  private reportedIdle: bigint | undefined;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly iterator: AsyncGenerator<RecordedEvent>;
  private readonly probeTimer: NodeJS.Timeout;

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly options: SubscribeToAllOptions,
  ) {
    this.delivered = options.fromPosition;
    this.scanned = options.fromPosition;
    this.iterator = this.iterate();
    // Appends by other processes that the filter skips bring no message at all until 32 records have passed.
    this.probeTimer = setInterval(() => this.probeIfIdle(), deps.tuning.idleProbeMs).unref();
  }

  get scannedPosition(): bigint | undefined {
    return this.scanned;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.iterator;
  }

  /** Something was appended (through this store): an idle subscription looks past what its filter skips. */
  nudge(): void {
    this.probeOwed = true;
    this.probeIfIdle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.end();
    // Ends a `for await` blocked on the server; the generator then finishes and `return` can complete.
    if (this.current) await stop(this.current);
    // A generator never started does not run its `finally` on return().
    await this.iterator.return(undefined);
    this.deps.onClosed();
  }

  /** However it ends (close, `break`, an error surfaced), the subscription lets go of its call and of its store. */
  private async *iterate(): AsyncGenerator<RecordedEvent> {
    try {
      yield* this.resubscribing();
    } finally {
      this.end();
      this.deps.onClosed();
    }
  }

  private end(): void {
    this.closed = true;
    this.closing.abort();
    clearInterval(this.probeTimer);
  }

  private async *resubscribing(): AsyncGenerator<RecordedEvent> {
    let drops = 0;
    while (!this.closed) {
      let subscription: AllStreamSubscription | undefined;
      let progressed = false;
      const progress = () => {
        progressed = true;
        drops = 0;
      };
      try {
        subscription = this.subscribe(progress);
        this.becameWaiting(subscription);
        // `for await`, never `.on('data', async …)`: Node would not wait for the consumer, and order would be lost.
        for await (const resolved of subscription) {
          this.waiting = false;
          this.taken++;
          progress();
          const event = this.accept(resolved);
          if (event) {
            yield event;
            this.delivered = event.position;
            this.advance(event.position);
          }
          this.becameWaiting(subscription);
        }
        throw new SubscriptionEnded();
      } catch (error) {
        if (this.closed) return;
        if (isPermanent(error)) {
          this.deps.log.error({ err: error, after: this.delivered?.toString() }, 'EventStoreDB subscription failed');
          throw error;
        }
        drops++;
        this.deps.log.warn({ err: error, drops, progressed, after: this.delivered?.toString() }, 'EventStoreDB subscription dropped; subscribing again');
        if (drops >= this.deps.tuning.maxDrops) {
          const failed = new SubscriptionFailedError(drops, error);
          this.deps.log.error({ err: failed, after: this.delivered?.toString() }, 'EventStoreDB subscription gave up');
          throw failed;
        }
      } finally {
        this.waiting = false;
        this.caughtUp = false;
        this.current = undefined;
        // The next subscription re-sends whatever these checkpoints covered.
        this.pending = [];
        this.bound = undefined;
        if (subscription) await stop(subscription);
      }
      if (this.closed) return;
      const { retryMinMs, retryMaxMs } = this.deps.tuning;
      await sleep(Math.min(retryMaxMs, retryMinMs * 2 ** (drops - 1)), undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
  }

  /**
   * A new call after the last event delivered. The server confirms a call before it reads anything (MainLoop:
   * SubscribeToLive, ConfirmSubscription, then CatchUp), so only an event, a checkpoint or the end of catch-up
   * shows the call got somewhere.
   */
  private subscribe(progress: () => void): AllStreamSubscription {
    this.taken++;
    const subscription = this.deps.open({
      // Exclusive: EventStoreDB starts after the position, which is the port's meaning too.
      fromPosition: this.delivered === undefined ? START : toClientPosition(this.delivered),
      filter: serverFilter(this.options.filter, (from, checkpoint) => this.checkpointReached(from, checkpoint, progress)),
    });
    this.current = subscription;
    subscription.on('caughtUp', () => {
      if (subscription !== this.current) return;
      progress();
      this.caughtUp = true;
      this.probeOwed = true;
      this.probeIfIdle();
    });
    return subscription;
  }

  /** The event to hand over, or undefined for one to pass (after which the consumer has scanned past it). */
  private accept(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    const position = positionOf(resolved);
    if (position !== undefined && this.delivered !== undefined && position <= this.delivered) return undefined;
    let event: RecordedEvent | undefined;
    try {
      event = toRecordedEvent(resolved);
    } catch (error) {
      throw new RecordDecodingError({ streamId: resolved.event?.streamId, revision: resolved.event?.revision, position }, error);
    }
    if (position === undefined) return undefined;
    this.settleBelow(position);
    if (event && !isSystemEvent(event) && matchesFilter(this.options.filter, event.streamId, event.type)) return event;
    this.advance(position);
    return undefined;
  }

  /** Would this record, read directly, still be handed to the consumer by the subscription? */
  private readonly onItsWay = (resolved: AllStreamResolvedEvent): boolean => {
    const position = positionOf(resolved);
    if (position !== undefined && this.delivered !== undefined && position <= this.delivered) return false;
    try {
      const event = toRecordedEvent(resolved);
      return event !== undefined && !isSystemEvent(event) && matchesFilter(this.options.filter, event.streamId, event.type);
    } catch {
      // The subscription will meet it and fail on it: nothing past it counts as read.
      return true;
    }
  };

  /**
   * A checkpoint arrives while events sent before it may still sit in the client's buffer, unread by the
   * consumer: it only counts once they are consumed (else a consumer storing scannedPosition could skip them).
   */
  private checkpointReached(subscription: AllStreamSubscription, checkpoint: Position, progress: () => void): void {
    if (subscription !== this.current) return;
    const reading = readCheckpoint(checkpoint);
    if (reading.kind === 'none') return;
    progress();
    if (reading.kind === 'record') this.pending.push(reading.position);
    if (this.bound === undefined || reading.position > this.bound) this.bound = reading.position;
    this.probeOwed = true;
    // Called while the client transforms a message; by the next turn any event read before it has reached us.
    setImmediate(() => {
      if (subscription !== this.current || !this.waiting || subscription.readableLength > 0) return;
      this.settleBelow();
      this.probeIfIdle();
    });
  }

  /** The consumer is back for more: if nothing is buffered, every checkpoint so far is behind it. */
  private becameWaiting(subscription: AllStreamSubscription): void {
    this.waiting = true;
    if (subscription.readableLength > 0) return;
    this.settleBelow();
    // Not after every event: a live subscription delivering a steady flow would read `$all` a second time.
    if (this.probeOwed) this.probeIfIdle();
  }

  private isIdle(): boolean {
    return !this.closed && this.caughtUp && this.waiting && this.current !== undefined && this.current.readableLength === 0;
  }

  /**
   * Caught up, nothing buffered, the consumer waiting: whatever the filter skipped since the last checkpoint is
   * read directly, so that `scannedPosition` and `onIdle` reach the head even when no checkpoint comes (the server
   * sends one per 32 records considered). `onIdle` is called with the result.
   */
  private probeIfIdle(): void {
    if (!this.isIdle()) return;
    if (this.probing) {
      this.probeAgain = true;
      return;
    }
    this.probing = true;
    this.probeOwed = false;
    void this.probe().finally(() => {
      this.probing = false;
      if (this.probeAgain) {
        this.probeAgain = false;
        this.probeIfIdle();
      }
    });
  }

  private async probe(): Promise<void> {
    const taken = this.taken;
    const overtaken = () => this.taken !== taken || !this.isIdle();
    const safe = this.scanned;
    const bound = this.bound;
    let passed: bigint | undefined;
    try {
      passed = await this.passSkippedFrom(bound !== undefined && (safe === undefined || bound > safe) ? bound : safe, overtaken);
    } catch {
      // The bound is not always where a record starts; from the last record passed, the read cannot fail that way.
      passed = bound === undefined ? undefined : await this.passSkippedFrom(safe, overtaken).catch(() => undefined);
    }
    if (overtaken()) return;
    if (passed !== undefined) this.advance(passed);
    if (this.scanned === undefined || this.scanned === this.reportedIdle) return;
    this.reportedIdle = this.scanned;
    this.options.onIdle?.(this.scanned);
  }

  private passSkippedFrom(from: bigint | undefined, overtaken: () => boolean): Promise<bigint | undefined> {
    return passSkipped(this.deps.readAll, from, this.onItsWay, overtaken);
  }

  private settleBelow(position?: bigint): void {
    const stillPending: bigint[] = [];
    for (const checkpoint of this.pending) {
      if (position === undefined || checkpoint < position) this.advance(checkpoint);
      else stillPending.push(checkpoint);
    }
    this.pending = stillPending;
  }

  /** Monotonic: a resubscription, or a server repeating a stale checkpoint (KurrentDB#3697), never moves it back. */
  private advance(position: bigint): void {
    if (this.scanned === undefined || position > this.scanned) this.scanned = position;
  }
}
