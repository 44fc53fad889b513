import { setTimeout as sleep } from 'node:timers/promises';
import {
  AccessDeniedError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  InvalidArgumentError,
  type Position,
  START,
  type SubscribeToAllOptions as ClientSubscribeOptions,
  UnsupportedError,
} from '@eventstore/db-client';
import {
  type AllSubscription,
  matchesFilter,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../../../application/ports/event-store.js';
import { positionOf, toClientPosition } from './positions.js';
import { isSystemEvent, toRecordedEvent } from './recorded-event.js';
import { serverFilter } from './server-filter.js';

export type OpenSubscription = (options: ClientSubscribeOptions) => AllStreamSubscription;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Errors a new subscription would meet again: surfaced to the consumer instead of retried forever. */
const isPermanent = (error: unknown): boolean =>
  error instanceof AccessDeniedError || error instanceof InvalidArgumentError || error instanceof UnsupportedError;

/** Cancels the gRPC call (destroying the stream alone leaves it open) and drops what is buffered. */
const stop = async (subscription: AllStreamSubscription): Promise<void> => {
  // Rejects only when the call never started, which the subscription has already reported as its error.
  await subscription.unsubscribe().catch(() => undefined);
  subscription.destroy();
};

/**
 * A catch-up subscription to `$all` that survives drops: EventStoreDB does not resume a dropped subscription,
 * so on any error other than our own close it subscribes again after the last event it delivered (our own
 * checkpoint, never the server's), after a backoff. The consumer sees one ordered stream, each event once.
 */
export class EsdbAllSubscription implements AllSubscription {
  /** Position of the last event handed to the consumer: where a new subscription starts (exclusive). */
  private delivered: bigint | undefined;
  private scanned: bigint | undefined;
  /** Server checkpoints not yet known to be behind everything the consumer has handled. */
  private pending: bigint[] = [];
  private current: AllStreamSubscription | undefined;
  /** The consumer has handled every event yielded so far and waits for the next one. */
  private waiting = false;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly iterator: AsyncGenerator<RecordedEvent>;

  constructor(
    private readonly open: OpenSubscription,
    private readonly options: SubscribeToAllOptions,
    private readonly onClosed: () => void,
  ) {
    this.delivered = options.fromPosition;
    this.scanned = options.fromPosition;
    this.iterator = this.iterate();
  }

  get scannedPosition(): bigint | undefined {
    return this.scanned;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.iterator;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    // Ends a `for await` blocked on the server; the generator then finishes and `return` can complete.
    if (this.current) await stop(this.current);
    // A generator never started does not run its `finally` on return().
    await this.iterator.return(undefined);
    this.onClosed();
  }

  /** However it ends (close, `break`, an error surfaced), the subscription lets go of its call and of its store. */
  private async *iterate(): AsyncGenerator<RecordedEvent> {
    try {
      yield* this.resubscribing();
    } finally {
      this.closed = true;
      this.closing.abort();
      this.onClosed();
    }
  }

  private async *resubscribing(): AsyncGenerator<RecordedEvent> {
    let failures = 0;
    while (!this.closed) {
      const subscription = this.subscribe();
      subscription.once('confirmation', () => (failures = 0));
      try {
        this.idle(subscription);
        // `for await`, never `.on('data', async …)`: Node would not wait for the consumer, and order would be lost.
        for await (const resolved of subscription) {
          this.waiting = false;
          const event = this.accept(resolved);
          if (event) {
            yield event;
            this.delivered = event.position;
            this.advance(event.position);
          }
          this.idle(subscription);
        }
      } catch (error) {
        if (this.closed) return;
        if (isPermanent(error)) throw error;
      } finally {
        this.waiting = false;
        this.current = undefined;
        // The next subscription re-sends whatever these checkpoints covered.
        this.pending = [];
        await stop(subscription);
      }
      if (this.closed) return;
      failures++;
      const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1));
      await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
  }

  private subscribe(): AllStreamSubscription {
    this.current = this.open({
      // Exclusive: EventStoreDB starts after the position, which is the port's meaning too.
      fromPosition: this.delivered === undefined ? START : toClientPosition(this.delivered),
      filter: serverFilter(this.options.filter, this.checkpointReached),
    });
    return this.current;
  }

  /** The event to hand over, or undefined for one to pass (after which the consumer has scanned past it). */
  private accept(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    const position = positionOf(resolved);
    if (position === undefined || (this.delivered !== undefined && position <= this.delivered)) return undefined;
    this.settleBelow(position);
    const event = toRecordedEvent(resolved);
    if (event && !isSystemEvent(event) && matchesFilter(this.options.filter, event.streamId, event.type)) return event;
    this.advance(position);
    return undefined;
  }

  /**
   * A checkpoint arrives while events sent before it may still sit in the client's buffer, unread by the
   * consumer: it only counts once they are consumed (else a consumer storing scannedPosition could skip them).
   * It counts as one less than reported: some servers (KurrentDB#4970, fixed by #4975) report the position of
   * an event not yet sent, and positions are byte offsets, so no event sits just before another one.
   */
  private readonly checkpointReached = (subscription: AllStreamSubscription, position: Position): void => {
    if (subscription !== this.current) return;
    this.pending.push(position.commit - 1n);
    // Called while the client transforms a message; by the next turn any event read before it has reached us.
    setImmediate(() => {
      if (subscription === this.current && this.waiting && subscription.readableLength === 0) this.settleBelow();
    });
  };

  /** The consumer is back for more: if nothing is buffered, every checkpoint so far is behind it. */
  private idle(subscription: AllStreamSubscription): void {
    this.waiting = true;
    if (subscription.readableLength === 0) this.settleBelow();
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
