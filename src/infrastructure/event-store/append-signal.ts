import { BroadcastChannel } from 'node:worker_threads';

/**
 * Wakes waiting subscriptions when this process appends; a timeout covers appends by other processes.
 * Wake-ups are batched per event-loop turn: under load many requests append in one turn, and each
 * subscription then scans once for all of them instead of once per append.
 *
 * With a `channel` name (the store's file), the other threads of the process that append to the same file (the saga
 * thread beside the API's) are told once per turn as well, and their appends wake this thread's subscriptions at once
 * instead of at their next poll.
 */
export class AppendSignal {
  private generation = 0;
  private waiters = new Set<() => void>();
  private wakeScheduled = false;
  private announce = false;
  private threads: BroadcastChannel | undefined;

  constructor(channel?: string) {
    if (channel === undefined) return;
    this.threads = new BroadcastChannel(channel);
    this.threads.onmessage = () => this.wake(false);
    this.threads.unref();
  }

  get current(): number {
    return this.generation;
  }

  /** This thread appended. */
  notify(): void {
    this.wake(true);
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

  /** Releases every waiter now, e.g. when the store closes; other threads are told of what is left, then no more. */
  releaseAll(): void {
    this.generation++;
    if (this.announce) this.threads?.postMessage(null);
    this.announce = false;
    this.threads?.close();
    this.threads = undefined;
    this.wakeAll();
  }

  private wake(announce: boolean): void {
    this.generation++;
    this.announce ||= announce;
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (this.announce) this.threads?.postMessage(null);
      this.announce = false;
      this.wakeAll();
    });
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}
