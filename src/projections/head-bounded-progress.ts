import type { EventStore } from '../application/ports/event-store.js';
import type { ReadModelProgress } from '../application/ports/read-model-progress.js';

/**
 * Never waits for a position past the head of the event store: every position a command answered is at or below the
 * head once it has answered, so one beyond it was never given out by this store, and waiting would only hold the
 * caller for the whole timeout. Such a wait is `false` at once; a reached position costs no look at the head.
 */
export class HeadBoundedProgress implements ReadModelProgress {
  constructor(
    private readonly inner: ReadModelProgress,
    private readonly events: Pick<EventStore, 'headPosition'>,
  ) {}

  async waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean> {
    if (await this.inner.waitFor(readModel, position, 0)) return true;
    if (position > (await this.events.headPosition())) return false;
    return this.inner.waitFor(readModel, position, timeoutMs);
  }
}
