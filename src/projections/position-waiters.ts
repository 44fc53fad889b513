/** Lets callers wait, without polling, until a processed position reaches the one they need. */
export class PositionWaiters {
  private waiters: { position: bigint; wake: (reached: boolean) => void }[] = [];

  constructor(
    private current: bigint = 0n,
    /** Told every position reached, after the waiters it satisfies are woken. */
    private readonly onAdvance?: (position: bigint) => void,
  ) {}

  get position(): bigint {
    return this.current;
  }

  /** How many callers are waiting. */
  get waiting(): number {
    return this.waiters.length;
  }

  advance(position: bigint): void {
    if (position <= this.current) return;
    this.current = position;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= position) waiter.wake(true);
      else still.push(waiter);
    }
    this.waiters = still;
    this.onAdvance?.(position);
  }

  /** Resolves true once `position` is reached, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (position <= this.current) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        wake: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
