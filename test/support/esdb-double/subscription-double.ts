import { Readable } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription, Position } from '@eventstore/db-client';
import type { StoredEvent } from './transaction-log.js';

/** What a subscription call streams (ReadResp: confirmation, event, checkpoint, caught up). */
export type SubscriptionMessage =
  | { kind: 'confirmation'; subscriptionId: string }
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'checkpoint'; position: Position }
  | { kind: 'caughtUp' };

export interface SubscriptionSource {
  /** The next message; undefined when the call ended without error; rejects with the client's error for how it failed. */
  next(): Promise<SubscriptionMessage | undefined>;
  /** The call is cancelled: the server disposes of its enumerator. */
  cancel(): void;
}

type CheckpointReached = (subscription: AllStreamSubscription, position: Position) => Promise<void> | void;

/**
 * A subscription as the client returns it (dist/streams/utils/Subscription.js), a Transform over the gRPC call:
 * 'confirmation' and 'caughtUp' are emitted as their messages pass, `checkpointReached` is called and awaited
 * before the next message is taken, events are pushed to the readable buffer, and the next message is taken only
 * while that buffer is under its high-water mark (so a slow consumer holds the server back, as gRPC flow control does).
 * An error on the call is emitted on the subscription. `unsubscribe()` cancels the call on the next turn and
 * leaves the stream itself open: the pipe from a cancelled call never ends it (grpc-node#1464).
 */
export class SubscriptionDouble extends Readable implements AllStreamSubscription {
  id?: string;
  private pumping = false;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly checkpointReached: CheckpointReached | undefined,
    private readonly present: (event: StoredEvent) => AllStreamResolvedEvent,
  ) {
    super({ objectMode: true });
  }

  override _read(): void {
    void this.pump();
  }

  async unsubscribe(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.source.cancel();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const message = await this.source.next();
        if (this.destroyed) return;
        if (message === undefined) {
          this.push(null);
          return;
        }
        if (message.kind === 'confirmation') {
          this.id = message.subscriptionId;
          this.emit('confirmation');
        } else if (message.kind === 'caughtUp') {
          this.emit('caughtUp');
        } else if (message.kind === 'checkpoint') {
          await this.checkpointReached?.(this, message.position);
        } else if (!this.push(this.present(message.event))) {
          return;
        }
      }
    } catch (error) {
      if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.pumping = false;
    }
  }
}
