import type { AllSubscription, EventStore, RecordedEvent } from '../application/ports/event-store.js';
import { FencedOffError, type ProjectionTarget, type ReadStore } from '../application/ports/read-store.js';
import { applyEvents } from './apply-events.js';
import { PositionWaiters } from './position-waiters.js';
import { eventTypesOf, type Projection } from './projection.js';

export interface ProjectionFault {
  eventId: string;
  eventType: string;
  position: string;
  message: string;
  attempts: number;
}

export interface WorkerOptions {
  decode: (event: RecordedEvent) => RecordedEvent;
  batchSize?: number;
  retries?: number;
  retryDelayMs?: number;
  onFault?: (fault: ProjectionFault) => void;
  /** The read store refused a commit: another projector holds the projection now. The worker has stopped. */
  onFencedOff?: (error: FencedOffError) => void;
  /** Every position the worker has processed, as it gets there. */
  onProgress?: (position: bigint) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves undefined after `ms`, without keeping the process up. */
const quietFor = (ms: number) => new Promise<undefined>((resolve) => setTimeout(resolve, ms, undefined).unref());

/**
 * How long the worker waits, with nothing to apply, before it commits as its checkpoint a position it passed only
 * over events of types it does not handle. Without it the saved checkpoint stays at the last event it applied, and
 * whoever follows the checkpoints from elsewhere (another process's read-your-writes, the saga thread's recovery,
 * which waits for the saga view to reach the head) would wait for an event it handles to come along.
 */
export const IDLE_CHECKPOINT_MS = 200;
/** Resolves after the microtasks queued now, so an iterator that has an event ready wins the race against it. */
const nextTurn = () => new Promise<undefined>((resolve) => setImmediate(resolve, undefined));

/**
 * Runs one generation of a projection: subscribes to `$all` after its checkpoint (filtered to the event types
 * it handles), applies events in batches and commits each batch with its checkpoint. A failing batch is retried
 * with backoff; when retries run out the worker stops with a fault that names the event. Nothing is skipped.
 * A commit the read store refuses for its fencing token is not retried: the worker stops at once (`fencedOff`).
 */
export class ProjectionWorker {
  readonly processed = new PositionWaiters(0n, (position) => this.options.onProgress?.(position));
  fault: ProjectionFault | undefined;
  fencedOff: FencedOffError | undefined;
  private subscription: AllSubscription | undefined;
  private stopped = false;
  private applying = false;
  private idlePosition: bigint | undefined;
  /** The checkpoint the read store holds for this generation, as far as this worker wrote it. */
  private committed = 0n;
  private quietSpell: Promise<undefined> | undefined;
  private done: Promise<void> | undefined;

  constructor(
    readonly projection: Projection,
    readonly target: ProjectionTarget,
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    const checkpoint = await this.readStore.checkpoint(this.target);
    this.committed = checkpoint;
    this.processed.advance(checkpoint);
    this.subscription = this.events.subscribeToAll({
      fromPosition: checkpoint,
      filter: { eventTypes: eventTypesOf(this.projection) },
      onIdle: (position) => this.idleAt(position),
    });
    this.done = this.run(this.subscription);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.done;
  }

  /** The subscription has delivered everything up to `position`; it counts once the batch in hand is committed. */
  private idleAt(position: bigint): void {
    this.idlePosition = position;
    if (!this.applying) this.processed.advance(position);
  }

  private async run(subscription: AllSubscription): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      while (!this.stopped) {
        const batch: RecordedEvent[] = [];
        // Take what is ready now, up to a batch; wait only when nothing is.
        for (;;) {
          pending ??= iterator.next();
          const next = batch.length > 0 ? await Promise.race([pending, nextTurn()]) : await this.nextOrQuiet(pending);
          if (next === undefined && batch.length > 0) break;
          if (next === undefined) {
            await this.commitIdlePosition();
            if (this.fencedOff) return;
            continue;
          }
          pending = undefined;
          if (next.done) return;
          batch.push(this.options.decode(next.value));
          this.applying = true;
          if (batch.length >= batchSize) break;
        }
        await this.applyWithRetry(batch);
        this.applying = false;
        if (this.fault || this.fencedOff) return;
        this.committed = batch[batch.length - 1]!.position;
        this.processed.advance(this.committed);
        if (this.idlePosition !== undefined) this.processed.advance(this.idlePosition);
      }
    } catch (error) {
      // The subscription gave up (an adapter's permanent error, or drops that kept coming), or an event could not be
      // decoded: the projection stops faulted and says where, instead of the error going unhandled.
      this.fault = {
        eventId: '',
        eventType: '',
        position: this.processed.position.toString(),
        message: error instanceof Error ? error.message : String(error),
        attempts: 1,
      };
      this.options.onFault?.(this.fault);
    } finally {
      if (this.fault || this.fencedOff) await subscription.close();
    }
  }

  private async applyWithRetry(batch: RecordedEvent[]): Promise<void> {
    const retries = this.options.retries ?? 5;
    const last = batch[batch.length - 1]!;
    for (let attempt = 1; ; attempt++) {
      try {
        await applyEvents(this.projection, this.readStore, this.target, batch, last.position);
        return;
      } catch (error) {
        if (error instanceof FencedOffError) return this.fenceOff(error);
        if (attempt > retries) {
          let culprit: RecordedEvent;
          try {
            culprit = await this.findCulprit(batch);
          } catch (fenced) {
            return this.fenceOff(fenced as FencedOffError);
          }
          this.fault = {
            eventId: culprit.id,
            eventType: culprit.type,
            position: culprit.position.toString(),
            message: error instanceof Error ? error.message : String(error),
            attempts: attempt,
          };
          this.options.onFault?.(this.fault);
          return;
        }
        await sleep((this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1));
      }
    }
  }

  /**
   * The next event; or undefined, should a quiet spell (IDLE_CHECKPOINT_MS) end first while the position the
   * subscription passed is ahead of the saved checkpoint. One spell at a time, however many waits it spans.
   */
  private nextOrQuiet(pending: Promise<IteratorResult<RecordedEvent>>): Promise<IteratorResult<RecordedEvent> | undefined> {
    if (this.idlePosition === undefined || this.idlePosition <= this.committed) return pending;
    this.quietSpell ??= quietFor(IDLE_CHECKPOINT_MS).then(() => (this.quietSpell = undefined));
    return Promise.race([pending, this.quietSpell]);
  }

  /** Commits the position the subscription went idle at (see IDLE_CHECKPOINT_MS); a failure is tried at the next quiet spell. */
  private async commitIdlePosition(): Promise<void> {
    const position = this.idlePosition!;
    try {
      await this.readStore.commit(this.target, [], position);
      this.committed = position;
    } catch (error) {
      if (error instanceof FencedOffError) this.fenceOff(error);
    }
  }

  private fenceOff(error: FencedOffError): void {
    this.fencedOff = error;
    this.options.onFencedOff?.(error);
  }

  /** Applies the batch one event at a time to name the event that fails (the ones before it land); a fencing refusal is thrown. */
  private async findCulprit(batch: RecordedEvent[]): Promise<RecordedEvent> {
    for (const event of batch) {
      try {
        await applyEvents(this.projection, this.readStore, this.target, [event], event.position);
        this.processed.advance(event.position);
      } catch (error) {
        if (error instanceof FencedOffError) throw error;
        return event;
      }
    }
    return batch[batch.length - 1]!;
  }
}
