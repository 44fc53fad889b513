import { randomUUID } from 'node:crypto';
import { InvalidPositionError, readForwardPage } from './all-reader.js';
import { BoundedChannel, ChannelClosedError } from './bounded-channel.js';
import { clientErrorFor, GrpcStatus } from './client-errors.js';
import type { EventFilter } from './event-filter.js';
import type { SubscriptionMessage, SubscriptionSource } from './subscription-double.js';
import { compareTfPos, FIRST_RECORD_OF_TF, HEAD_OF_TF, maxTfPos, type TfPos, tfPos, toWire } from './tf-position.js';
import type { StoredEvent, TransactionLog } from './transaction-log.js';

/**
 * Which server's checkpoints (Enumerator.AllSubscriptionFiltered.cs, the catch-up page loop):
 * - '24.10.0' (to 24.10.4): a catch-up checkpoint is the start of the page that crossed the interval; at the end
 *   of catch-up the last event or checkpoint is sent again, and (-1, -1), i.e. ulong.MaxValue twice on the wire,
 *   when there was none (KDB-710, fixed by #4893);
 * - '25.0.0': #4893 applied, so the end of catch-up sends the start of the last page, which for an empty last page
 *   is the end of the log, where no record has been read yet (KurrentDB#4970);
 * - '24.10.5' (and 25.0.1): #4975/#4990, a checkpoint is the start of the last page that read a record.
 */
export type CheckpointBehaviour = '24.10.0' | '25.0.0' | '24.10.5';

/** Enumerator.cs: ReadBatchSize and MaxLiveEventBufferCount. */
const READ_BATCH_SIZE = 32;
const MAX_LIVE_EVENT_BUFFER_COUNT = 32;
const LONG_MAX = 2n ** 63n - 1n;
const ULONG_MAX = 2n ** 64n - 1n;

export interface FilteredSubscriptionRequest {
  /** The client's fromPosition: START, END or a position (exclusive). */
  from: 'start' | 'end' | { commit: bigint; prepare: bigint };
  filter: EventFilter;
  maxSearchWindow: number | undefined;
  checkpointIntervalMultiplier: number;
}

type LiveItem = { sequence: number; event: StoredEvent } | { sequence: number; checkpoint: TfPos };
type Outgoing = { kind: 'confirmation'; subscriptionId: string } | { kind: 'event'; event: StoredEvent } | { kind: 'checkpoint'; position: TfPos } | { kind: 'caughtUp' };

/**
 * A filtered subscription to `$all` as EventStoreDB v24.10 serves it: Enumerator.AllSubscriptionFiltered.cs
 * (MainLoop, CatchUp, GoLive, MoveNextAsync) with the live side of SubscriptionsService.cs (ProcessEventCommited).
 * Ported step by step; each step keeps the server's name.
 */
export class FilteredAllSubscription implements SubscriptionSource {
  private readonly output = new BoundedChannel<Outgoing>(MAX_LIVE_EVENT_BUFFER_COUNT, 'wait');
  private readonly liveEvents = new BoundedChannel<LiveItem>(MAX_LIVE_EVENT_BUFFER_COUNT, 'drop-oldest');
  private readonly maxSearchWindow: number;
  private readonly checkpointInterval: number;
  private stopLive: (() => void) | undefined;
  private currentPosition: TfPos | undefined;
  private currentCheckpoint: { commit: bigint; prepare: bigint } | undefined;

  constructor(
    private readonly log: TransactionLog,
    private readonly behaviour: CheckpointBehaviour,
    private readonly request: FilteredSubscriptionRequest,
    private readonly hooks: { afterConfirmation?: () => Error | undefined; fellBehind?: () => void } = {},
  ) {
    this.maxSearchWindow = request.maxSearchWindow ?? READ_BATCH_SIZE;
    this.checkpointInterval = request.checkpointIntervalMultiplier * this.maxSearchWindow;
    void this.mainLoop();
  }

  /** MoveNextAsync: drops an event at or before the last one sent, and a checkpoint at or before the last checkpoint sent. */
  async next(): Promise<SubscriptionMessage | undefined> {
    for (;;) {
      const message = await this.output.read();
      if (message === undefined) return undefined;
      if (message.kind === 'event') {
        const position = tfPos(message.event.position);
        if (this.currentPosition && compareTfPos(position, this.currentPosition) <= 0) continue;
        this.currentPosition = position;
        return message;
      }
      if (message.kind === 'checkpoint') {
        const wire = toWire(message.position);
        const previous = this.currentCheckpoint;
        if (previous && (wire.commit < previous.commit || (wire.commit === previous.commit && wire.prepare <= previous.prepare))) continue;
        this.currentCheckpoint = wire;
        return { kind: 'checkpoint', position: wire };
      }
      return message;
    }
  }

  /** DisposeAsync: unsubscribes from live events and cancels the main loop. */
  cancel(): void {
    this.stopLive?.();
    this.output.complete();
    this.liveEvents.complete();
  }

  /** Ends the call from outside, as a lost connection or a server shutting down would. */
  fail(error: Error): void {
    this.stopLive?.();
    this.output.complete(error);
    this.liveEvents.complete();
  }

  private async mainLoop(): Promise<void> {
    try {
      const start = this.startingCheckpoint();
      const lastIndexed = this.subscribeToLive();
      await this.output.write({ kind: 'confirmation', subscriptionId: randomUUID() });
      const injected = this.hooks.afterConfirmation?.();
      if (injected) throw injected;
      const confirmationLastPos = tfPos(lastIndexed);
      let checkpoint = start === 'end' ? confirmationLastPos : start;
      let sequence = 0;
      if (compareTfPos(checkpoint, confirmationLastPos) >= 0) [checkpoint, sequence] = await this.goLive(checkpoint, sequence);
      for (;;) {
        checkpoint = await this.catchUp(checkpoint);
        [checkpoint, sequence] = await this.goLive(checkpoint, sequence);
      }
    } catch (error) {
      if (error instanceof ChannelClosedError) return;
      this.stopLive?.();
      this.output.complete(this.toClientError(error));
    }
  }

  /** ConvertCheckpoint; a position the Position struct refuses fails the call before anything is sent. */
  private startingCheckpoint(): TfPos | 'end' {
    const from = this.request.from;
    if (from === 'start') return HEAD_OF_TF;
    if (from === 'end' || (from.commit === ULONG_MAX && from.prepare === ULONG_MAX)) return 'end';
    if (from.commit < from.prepare || from.commit > LONG_MAX || from.prepare > LONG_MAX) {
      // Position's constructor throws ArgumentOutOfRangeException in the handler: gRPC answers UNKNOWN.
      throw clientErrorFor(GrpcStatus.UNKNOWN, 'Exception was thrown by handler.');
    }
    return tfPos(from.commit, from.prepare);
  }

  /** SubscriptionsService.SubscribeToStream and ProcessEventCommited: live events and live checkpoints. */
  private subscribeToLive(): bigint {
    const lastIndexedPosition = this.log.lastIndexedPosition;
    let sequence = 0;
    let sinceCheckpoint = 0;
    this.stopLive = this.log.onIndexed((event) => {
      if (event.position <= lastIndexedPosition) return;
      if (this.request.filter(event)) this.liveEvents.tryWrite({ sequence: ++sequence, event });
      if (++sinceCheckpoint >= this.checkpointInterval) {
        // CheckpointReached carries the event's own position (pair.OriginalPosition).
        this.liveEvents.tryWrite({ sequence: ++sequence, checkpoint: tfPos(event.position) });
        sinceCheckpoint = 0;
      }
    });
    return lastIndexedPosition;
  }

  private async goLive(from: TfPos, fromSequence: number): Promise<[TfPos, number]> {
    let checkpoint = from;
    let sequence = fromSequence;
    await this.output.write({ kind: 'caughtUp' });
    for (;;) {
      const live = await this.liveEvents.read();
      if (live === undefined) throw new ChannelClosedError();
      const sequenceCorrect = live.sequence === sequence + 1;
      sequence = live.sequence;
      if ('event' in live && compareTfPos(tfPos(live.event.position), checkpoint) <= 0) continue;
      if ('checkpoint' in live && compareTfPos(live.checkpoint, checkpoint) < 0) continue;
      if (!sequenceCorrect) {
        // Live events were dropped: fall behind (not sent to clients, Streams.Read.cs) and catch up again.
        this.hooks.fellBehind?.();
        await this.sendCheckpoint(checkpoint);
        return [checkpoint, sequence];
      }
      if ('event' in live) {
        await this.output.write({ kind: 'event', event: live.event });
        checkpoint = tfPos(live.event.position);
      } else {
        await this.sendCheckpoint(live.checkpoint);
        checkpoint = live.checkpoint;
      }
    }
  }

  private async catchUp(from: TfPos): Promise<TfPos> {
    let checkpoint = from;
    let sinceCheckpoint = 0;
    let pagePos = from;
    for (;;) {
      // ReadPage: (-1, -1) reads from (0, 0).
      const readFrom = pagePos.commit < 0n && pagePos.prepare < 0n ? FIRST_RECORD_OF_TF : pagePos;
      const page = readForwardPage(this.log, readFrom, READ_BATCH_SIZE, this.maxSearchWindow, this.request.filter);
      for (const event of page.events) {
        const position = tfPos(event.position);
        if (compareTfPos(position, checkpoint) <= 0) continue;
        await this.output.write({ kind: 'event', event });
        checkpoint = position;
      }
      if (this.behaviour === '24.10.5' && compareTfPos(checkpoint, page.currentPos) < 0 && compareTfPos(page.currentPos, page.nextPos) < 0) {
        checkpoint = page.currentPos;
      }
      sinceCheckpoint += page.consideredEventsCount;
      if (page.isEndOfStream) {
        if (this.behaviour === '24.10.5' && compareTfPos(checkpoint, FIRST_RECORD_OF_TF) < 0 && compareTfPos(FIRST_RECORD_OF_TF, page.nextPos) < 0) {
          checkpoint = FIRST_RECORD_OF_TF;
        }
        if (this.behaviour === '25.0.0') checkpoint = maxTfPos(checkpoint, page.currentPos);
        await this.sendCheckpoint(checkpoint);
        return checkpoint;
      }
      if (sinceCheckpoint >= this.checkpointInterval) {
        sinceCheckpoint %= this.checkpointInterval;
        if (this.behaviour !== '24.10.5') checkpoint = maxTfPos(checkpoint, page.currentPos);
        await this.sendCheckpoint(checkpoint);
      }
      pagePos = page.nextPos;
    }
  }

  /** SendCheckpointToSubscription; since #4893 (25.0.0, 24.10.5) it never sends (-1, -1). */
  private async sendCheckpoint(checkpoint: TfPos): Promise<void> {
    if (this.behaviour !== '24.10.0' && compareTfPos(checkpoint, HEAD_OF_TF) === 0) return;
    await this.output.write({ kind: 'checkpoint', position: checkpoint });
  }

  /** Streams.Read.cs ConvertReadResponseException: InvalidPosition is INVALID_ARGUMENT; the rest UNKNOWN. */
  private toClientError(error: unknown): Error {
    if (error instanceof InvalidPositionError) return clientErrorFor(GrpcStatus.INVALID_ARGUMENT, 'Trying to read from an invalid position.');
    if (error instanceof Error && 'type' in error) return error;
    return clientErrorFor(GrpcStatus.UNKNOWN, error instanceof Error ? error.message : String(error));
  }
}
