import type { ReadModelProgress } from '../application/ports/read-model-progress.js';
import type { ReadStore } from '../application/ports/read-store.js';
import { PositionWaiters } from './position-waiters.js';
import type { ProgressChannel } from './projection-lease.js';

interface Followed {
  waiters: PositionWaiters;
  /** Whether its checkpoint has been read since listening began (before that, what was published is unknown). */
  synced: boolean;
  reading: Promise<void> | undefined;
  readAt: number;
}

export interface FollowedProgressOptions {
  /**
   * While a caller waits, how often the checkpoint is read again in case a message was lost (pub/sub delivers at
   * most once). Waits that the messages end sooner read nothing.
   */
  recheckEveryMs?: number;
}

/**
 * Read-your-writes for a process that does not write the read model it waits on (an API role; a projector that does
 * not hold that projection's lease): it is woken by the projector's progress messages (ProgressChannel), not by
 * polling. Where the read model stands (the latest position published, and the read store's checkpoint) is read
 * once per read model when listening begins (and again after the connection was lost), and while a caller still
 * waits, once every `recheckEveryMs`, as a safety net for a lost message.
 */
export class FollowedProgress implements ReadModelProgress {
  private readonly followed = new Map<string, Followed>();
  private listening: Promise<boolean> | undefined;
  private closed = false;
  private readonly recheckEveryMs: number;

  constructor(
    private readonly channel: ProgressChannel,
    private readonly readStore: ReadStore,
    options: FollowedProgressOptions = {},
  ) {
    this.recheckEveryMs = options.recheckEveryMs ?? 1000;
  }

  async waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const followed = this.follow(readModel);
    if (position <= followed.waiters.position) return true;
    const listening = await this.listen();
    if (!followed.synced || !listening) {
      followed.synced = listening;
      await this.read(readModel, followed);
      if (position <= followed.waiters.position) return true;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0 || this.closed) return false;
    const recheck = setInterval(() => void this.recheck(readModel, followed), this.recheckEveryMs);
    try {
      return await followed.waiters.waitFor(position, remaining);
    } finally {
      clearInterval(recheck);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.channel.close();
  }

  private follow(readModel: string): Followed {
    let followed = this.followed.get(readModel);
    if (!followed) {
      followed = { waiters: new PositionWaiters(), synced: false, reading: undefined, readAt: 0 };
      this.followed.set(readModel, followed);
    }
    return followed;
  }

  /** Subscribes once; false while it cannot (Redis away): then waits fall back on the rechecks alone. */
  private listen(): Promise<boolean> {
    this.listening ??= this.channel
      .subscribe(
        (projection, position) => this.followed.get(projection)?.waiters.advance(position),
        () => {
          for (const [readModel, followed] of this.followed) {
            followed.synced = false;
            if (followed.waiters.waiting > 0) void this.read(readModel, followed);
          }
        },
      )
      .then(
        () => true,
        () => {
          this.listening = undefined;
          return false;
        },
      );
    return this.listening;
  }

  /** A read of the checkpoint, unless one is under way or was made less than half a recheck ago. */
  private recheck(readModel: string, followed: Followed): Promise<void> {
    if (followed.reading) return followed.reading;
    if (Date.now() - followed.readAt < this.recheckEveryMs / 2) return Promise.resolve();
    return this.read(readModel, followed);
  }

  private read(readModel: string, followed: Followed): Promise<void> {
    followed.readAt = Date.now();
    const reading = this.readCheckpoint(readModel).then((checkpoint) => {
      if (checkpoint !== undefined) followed.waiters.advance(checkpoint);
    });
    followed.reading = reading;
    void reading.finally(() => {
      if (followed.reading === reading) followed.reading = undefined;
    });
    return reading;
  }

  /**
   * How far the read model is: the latest position published (which passes events the projection does not handle)
   * or the read store's checkpoint, whichever is further; undefined when neither answered (the next recheck, or
   * message, will do).
   */
  private async readCheckpoint(readModel: string): Promise<bigint | undefined> {
    const [published, committed] = await Promise.all([
      this.channel.latest(readModel).catch(() => undefined),
      this.readStore
        .activeGeneration(readModel)
        .then((generation) => this.readStore.checkpoint({ projection: readModel, generation }))
        .catch(() => undefined),
    ]);
    if (published === undefined) return committed;
    return committed === undefined || published > committed ? published : committed;
  }
}
