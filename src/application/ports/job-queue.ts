/**
 * The job port: durable-enough delivery of saga work (reactions, timeouts) with retries and dead letters.
 *
 * It is not the source of truth. An adapter may lose jobs (an in-process queue on a crash, Redis restarted
 * empty): the saga runtime re-derives pending work from the event store on boot and on `onReconnect`.
 */

export interface JobOptions {
  /** Dedupe key: while a job with this id is known to the queue (waiting, delayed, active, or kept after completion), another is not added. */
  jobId: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Yields to every ready job that has not got it: new work waits while work under way can go on. */
  deferred?: boolean;
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** Exponential backoff between attempts: about initialDelayMs · 2^(attempt-1), jittered, capped at maxDelayMs. */
  backoff?: { initialDelayMs: number; maxDelayMs?: number };
}

export interface Job<Data = unknown> {
  id: string;
  name: string;
  data: Data;
  /** 1 on the first attempt. */
  attempt: number;
  /** Attempts in all, as enqueued. */
  attempts: number;
}

/** A job whose last attempt failed. */
export interface DeadLetter<Data = unknown> {
  job: Job<Data>;
  error: string;
}

/** What a worker does with a job. Throwing fails this attempt; the queue retries it until attempts run out. */
export type JobHandler = (job: Job) => Promise<void>;

export interface WorkerOptions {
  /** Jobs handled at once by this process (default 10). */
  concurrency?: number;
  /** An attempt failed and another will follow. */
  onRetry?: (job: Job, error: Error) => void;
  /** The last attempt failed: the job is a dead letter and runs no more unless enqueued again under another id. */
  onDeadLetter?: (deadLetter: DeadLetter) => void | Promise<void>;
}

/** Jobs the queue holds now: ready to run, waiting for their time (or their next attempt), running. */
export interface JobDepth {
  waiting: number;
  delayed: number;
  active: number;
}

export interface JobQueue {
  /**
   * Adds a job unless one with the same id is known; resolves once the queue holds it. Any string is a valid id.
   * `data` goes through JSON on every adapter: the handler gets what JSON makes of it (dates as ISO strings, undefined as {}).
   */
  enqueue(name: string, data: unknown, options: JobOptions): Promise<void>;
  /** Starts handling jobs in this process (competing with any other process working on the same queue). */
  work(handler: JobHandler, options?: WorkerOptions): void;
  /** Called when the queue's backing store came back after a connection loss (it may have lost jobs meanwhile). */
  onReconnect(listener: () => void): void;
  /** Stops taking jobs, lets the active ones finish, and releases connections. */
  close(): Promise<void>;
  /** How many jobs it holds now (metrics): this process's (in-process), or every process's on the queue (BullMQ). */
  depth?(): Promise<JobDepth>;
}
