/**
 * Wakes waiting subscriptions when this process appends; a timeout covers appends by other processes.
 * Wake-ups are batched per event-loop turn: under load many requests append in one turn, and each
 * subscription then scans once for all of them instead of once per append.
 */
export class AppendSignal {
  private generation = 0;
  private waiters = new Set<() => void>();
  private wakeScheduled = false;

  get current(): number {
    return this.generation;
  }

  notify(): void {
    this.generation++;
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeAll();
    });
  }

  /** Resolves once an append newer than `seen` happened, or after `timeoutMs`. */
  waitAfter(seen: number, timeoutMs: number): Promise<void> {
    if (this.generation !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }

  /** Releases every waiter now, e.g. when the store closes. */
  releaseAll(): void {
    this.generation++;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}
