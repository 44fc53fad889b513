import type { Logger } from 'pino';
import type { AllSubscription, EventStore, RecordedEvent } from '../ports/event-store.js';
import type { ProjectionTarget, ReadStore } from '../ports/read-store.js';
import type { SagaJobs } from './saga-jobs.js';
import { sagaEventTypes, type SagaReactions } from './saga-reactions.js';

/** Where the delivery keeps its checkpoint: beside the read models, but no projection's, so a rebuild never moves it. */
export const DELIVERY_CHECKPOINT: ProjectionTarget = { projection: 'saga_delivery', generation: 0 };

const BATCH = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<undefined>((resolve) => setImmediate(resolve, undefined));

/**
 * Hands every event a saga reacts to over to the job queue, one job per reaction, from a checkpointed subscription
 * to `$all`. The checkpoint moves only once a batch's jobs are enqueued, so a crash re-delivers the batch: its jobs
 * have the same ids (a queue that still holds them adds nothing) and their effects are idempotent.
 */
export class SagaDelivery {
  private subscription: AllSubscription | undefined;
  private stopped = false;
  private done: Promise<void> | undefined;
  private delivered = 0n;

  constructor(
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly decode: (event: RecordedEvent) => RecordedEvent,
    private readonly reactions: SagaReactions,
    private readonly jobs: SagaJobs,
    private readonly logger: Logger,
  ) {}

  /** The position of the last event whose reactions are enqueued. */
  get position(): bigint {
    return this.delivered;
  }

  async start(): Promise<void> {
    await this.readStore.define(DELIVERY_CHECKPOINT.projection, []);
    this.delivered = await this.readStore.checkpoint(DELIVERY_CHECKPOINT);
    this.subscription = this.events.subscribeToAll({ fromPosition: this.delivered, filter: { eventTypes: sagaEventTypes } });
    this.done = this.run(this.subscription);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.done;
  }

  private async run(subscription: AllSubscription): Promise<void> {
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    while (!this.stopped) {
      const batch: RecordedEvent[] = [];
      for (;;) {
        pending ??= iterator.next();
        const next = batch.length === 0 ? await pending : await Promise.race([pending, nextTurn()]);
        if (next === undefined) break;
        pending = undefined;
        if (next.done) return;
        batch.push(this.decode(next.value));
        if (batch.length >= BATCH) break;
      }
      await this.deliver(batch);
    }
  }

  /** Enqueues the batch's reactions and moves the checkpoint past it; on failure waits and tries again. */
  private async deliver(batch: readonly RecordedEvent[]): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const reactions = await Promise.all(batch.map(async (event) => ({ event, reactions: await this.reactions.to(event) })));
        await Promise.all(
          reactions.flatMap(({ event, reactions: due }) =>
            due.map((reaction) => this.jobs.enqueue(reaction, { id: event.id, correlationId: event.metadata.correlationId, traceparent: event.metadata.traceparent })),
          ),
        );
        const last = batch[batch.length - 1]!.position;
        await this.readStore.commit(DELIVERY_CHECKPOINT, [], last);
        this.delivered = last;
        return;
      } catch (error) {
        this.logger.warn({ err: error, attempt }, 'saga delivery failed, retrying');
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
    }
  }
}
