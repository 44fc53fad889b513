import type { Job, JobDepth, JobHandler, JobOptions, JobQueue, WorkerOptions } from '../../application/ports/job-queue.js';
import { type Backoff, defaultRetry, jitteredBackoffMs } from './jittered-backoff.js';

export interface InProcessJobQueueOptions {
  /** Completed job ids that stay known (the newest `count`, none older than `ageMs`), so a re-enqueue right after completion is a no-op. */
  keepCompleted?: { count: number; ageMs: number };
  /** Dead-lettered job ids that stay known (the newest this many). */
  keepDeadLettered?: number;
  /** Gets what `onRetry` or `onDeadLetter` threw (default: a process warning). */
  onError?: (error: unknown) => void;
  now?: () => number;
}

interface Worker {
  handler: JobHandler;
  concurrency: number;
  options: WorkerOptions;
}

interface Entry {
  job: Job;
  backoff: Backoff;
  deferred: boolean;
}

/** What BullMQ makes of job data (undefined becomes {}), so a handler here gets a copy shaped as in Redis. */
const throughJson = (data: unknown): unknown => JSON.parse(JSON.stringify(data === undefined ? {} : data));

const defaults = {
  keepCompleted: { count: 1_000, ageMs: 60 * 60_000 },
  keepDeadLettered: 10_000,
  onError: (error: unknown) => process.emitWarning(error instanceof Error ? error : String(error), 'JobQueueCallbackError'),
};

/**
 * Jobs in this process's memory, for the embedded profile: lost on a crash (the saga runtime re-derives them
 * from the events on boot), and private to this instance — two instances never share jobs.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly options: Required<Omit<InProcessJobQueueOptions, 'now'>>;
  private readonly now: () => number;
  /** Ids of jobs waiting, delayed (also between attempts) or active. */
  private readonly pending = new Set<string>();
  /** Id → when it completed, oldest first. */
  private readonly completed = new Map<string, number>();
  /** Oldest first. */
  private readonly deadLettered = new Set<string>();
  private readonly ready = new ReadyJobs();
  /** Ready jobs enqueued as deferred: taken only when `ready` is empty. */
  private readonly readyDeferred = new ReadyJobs();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private worker: Worker | undefined;
  private closed = false;

  constructor(options: InProcessJobQueueOptions = {}) {
    this.options = {
      keepCompleted: options.keepCompleted ?? defaults.keepCompleted,
      keepDeadLettered: options.keepDeadLettered ?? defaults.keepDeadLettered,
      onError: options.onError ?? defaults.onError,
    };
    this.now = options.now ?? Date.now;
  }

  async enqueue(name: string, data: unknown, options: JobOptions): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed');
    this.forgetExpiredCompleted();
    const id = options.jobId;
    if (this.pending.has(id) || this.completed.has(id) || this.deadLettered.has(id)) return;
    this.pending.add(id);
    const entry: Entry = {
      job: { id, name, data: throughJson(data), attempt: 1, attempts: options.attempts ?? defaultRetry.attempts },
      backoff: options.backoff ?? defaultRetry.backoff,
      deferred: options.deferred === true,
    };
    if (options.delayMs && options.delayMs > 0) this.delay(entry, options.delayMs);
    else this.makeReady(entry);
  }

  work(handler: JobHandler, options: WorkerOptions = {}): void {
    if (this.closed) throw new Error('The job queue is closed');
    if (this.worker) throw new Error('work() was already called on this job queue');
    const concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number from 1, not ${concurrency}`);
    this.worker = { handler, concurrency, options };
    this.pump();
  }

  /** Memory is never lost to a reconnect: the listener has nothing to wait for. */
  onReconnect(_listener: () => void): void {}

  /** Delayed counts jobs waiting for their time and those waiting for their next attempt. */
  async depth(): Promise<JobDepth> {
    return { waiting: this.ready.size + this.readyDeferred.size, delayed: this.timers.size, active: this.running.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ready.clear();
    this.readyDeferred.clear();
    await Promise.all([...this.running]);
  }

  private delay(entry: Entry, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.makeReady(entry);
    }, delayMs);
    // A delayed job must not keep the process alive: it is lost with the process like every other one here.
    timer.unref();
    this.timers.add(timer);
  }

  private makeReady(entry: Entry): void {
    (entry.deferred ? this.readyDeferred : this.ready).push(entry);
    this.pump();
  }

  private pump(): void {
    const worker = this.worker;
    if (!worker || this.closed) return;
    while (this.running.size < worker.concurrency && this.ready.size + this.readyDeferred.size > 0) {
      const entry = this.ready.size > 0 ? this.ready.take() : this.readyDeferred.take();
      const run: Promise<void> = this.run(entry, worker).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  /** Never rejects. */
  private async run({ job, backoff, deferred }: Entry, worker: Worker): Promise<void> {
    try {
      // Through a promise so that the handler never runs inside enqueue() and a synchronous throw fails the attempt.
      await Promise.resolve().then(() => worker.handler(job));
      this.pending.delete(job.id);
      this.rememberCompleted(job.id);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      if (job.attempt >= job.attempts) {
        this.pending.delete(job.id);
        this.rememberDeadLettered(job.id);
        await this.report(async () => worker.options.onDeadLetter?.({ job, error: error.message }));
      } else if (this.closed) {
        this.pending.delete(job.id);
      } else {
        this.delay({ job: { ...job, attempt: job.attempt + 1 }, backoff, deferred }, jitteredBackoffMs(job.attempt, backoff));
        await this.report(async () => worker.options.onRetry?.(job, error));
      }
    }
  }

  private async report(callback: () => Promise<void>): Promise<void> {
    try {
      await callback();
    } catch (error) {
      this.options.onError(error);
    }
  }

  private rememberCompleted(id: string): void {
    this.completed.delete(id);
    this.completed.set(id, this.now());
    for (const oldest of this.completed.keys()) {
      if (this.completed.size <= this.options.keepCompleted.count) break;
      this.completed.delete(oldest);
    }
    this.forgetExpiredCompleted();
  }

  private forgetExpiredCompleted(): void {
    const expiredBefore = this.now() - this.options.keepCompleted.ageMs;
    for (const [id, completedAt] of this.completed) {
      if (completedAt > expiredBefore) break;
      this.completed.delete(id);
    }
  }

  private rememberDeadLettered(id: string): void {
    this.deadLettered.add(id);
    for (const oldest of this.deadLettered) {
      if (this.deadLettered.size <= this.options.keepDeadLettered) break;
      this.deadLettered.delete(oldest);
    }
  }
}

/** Ready jobs, oldest first. Taken by a head index instead of shift(), which moves every job behind it: a backlog can be long. */
class ReadyJobs {
  private entries: (Entry | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  push(entry: Entry): void {
    this.entries.push(entry);
  }

  take(): Entry {
    const entry = this.entries[this.head]!;
    this.entries[this.head++] = undefined;
    if (this.head === this.entries.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
  }
}
