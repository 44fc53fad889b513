import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffOptions, type BackoffStrategy, type Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Job, JobDepth, JobHandler, JobOptions, JobQueue, WorkerOptions } from '../../application/ports/job-queue.js';
import { defaultRetry, jitteredBackoffMs } from './jittered-backoff.js';
import { ReconnectWatch, type WatchedConnection } from './reconnect-watch.js';

export interface BullMqJobQueueOptions {
  url: string;
  queueName: string;
  /** Key prefix in Redis (BullMQ's default is `bull`); specs give each run its own. */
  prefix?: string;
  /** How long enqueue() waits for the first connection to Redis before it fails (default 5 s). */
  firstConnectTimeoutMs?: number;
  /** How long close() waits for lost worker connections to come back before it stops the worker by force (default 5 s). */
  closeTimeoutMs?: number;
  /** Gets connection errors and what `onRetry` or `onDeadLetter` threw (default: a process warning). */
  onError?: (error: unknown) => void;
}

/** BullMQ backoff options of this adapter: its own strategy, with the cap BullMQ's `exponential` does not have. */
interface JitteredBackoffOptions extends BackoffOptions {
  type: typeof JITTERED_EXPONENTIAL;
  delay: number;
  maxDelay: number;
}

const JITTERED_EXPONENTIAL = 'ledgerflow-jittered-exponential';
const DEFERRED_PRIORITY = 1;

/** Completed jobs stay known this long (seconds) and this many, so a re-enqueue right after completion is a no-op. */
const KEEP_COMPLETED = { age: 60 * 60, count: 1_000 };
/** Dead letters stay known (the newest this many): their ids are not run again. */
const KEEP_FAILED = { count: 10_000 };

/**
 * BullMQ 6 refuses custom job ids that are integers ("42"), contain `:` (unless in exactly two places, a legacy
 * repeatable-job form) or are empty/"0" (taken for "no id"). The port's ids are saga keys like
 * `order:o-1:payment-timeout`, so every id goes to BullMQ escaped (`%` and `:` as `%25` and `%3A`) behind `_`.
 */
export const toBullMqJobId = (id: string): string => `_${id.replace(/[%:]/g, (char) => (char === '%' ? '%25' : '%3A'))}`;
export const fromBullMqJobId = (bullMqId: string): string => bullMqId.slice(1).replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));

const jitteredBackoffStrategy: BackoffStrategy = (attemptsMade, _type, _error, job) => {
  const backoff = job?.opts.backoff;
  if (typeof backoff !== 'object' || backoff.delay === undefined) return jitteredBackoffMs(attemptsMade, defaultRetry.backoff);
  const maxDelayMs = 'maxDelay' in backoff && typeof backoff.maxDelay === 'number' ? backoff.maxDelay : undefined;
  return jitteredBackoffMs(attemptsMade, { initialDelayMs: backoff.delay, maxDelayMs });
};

const toPortJob = (job: BullJob, attempt: number): Job => ({
  id: fromBullMqJobId(job.id ?? ''),
  name: job.name,
  data: job.data,
  attempt,
  attempts: job.opts.attempts ?? 1,
});

/** Holds `promise` in `set` while it runs. */
const track = <T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> => {
  set.add(promise);
  void promise.finally(() => set.delete(promise)).catch(ignore);
  return promise;
};

const ignore = () => {};

const defaultOnError = (error: unknown) => process.emitWarning(error instanceof Error ? error : String(error), 'JobQueueError');

/**
 * Jobs in Redis through BullMQ, shared by every process on the same queue name (competing consumers).
 *
 * Redis must run with `maxmemory-policy noeviction`: an evicted key is a lost or half-written job.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly queue: Queue;
  /** The producer's own connection: it fails fast (no offline queue) where the worker's must wait for Redis. */
  private readonly producerConnection: Redis;
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly reconnects = new ReconnectWatch(() => this.reconnected());
  /** Handlers running now. */
  private readonly handlers = new Set<Promise<unknown>>();
  /** onRetry and onDeadLetter calls running now. */
  private readonly callbacks = new Set<Promise<unknown>>();
  /** The worker's two connections, once they got ready the first time. */
  private readonly workerConnections: WatchedConnection[] = [];
  private readonly onError: (error: unknown) => void;
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BullMqJobQueueOptions) {
    this.onError = options.onError ?? defaultOnError;
    this.producerConnection = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    this.reconnects.watch(this.producerConnection);
    this.queue = new Queue(options.queueName, { connection: this.producerConnection, prefix: options.prefix });
    this.queue.on('error', this.onError);
  }

  async enqueue(name: string, data: unknown, options: JobOptions): Promise<void> {
    if (this.closing) throw new Error('The job queue is closed');
    await this.firstConnect();
    const backoff = options.backoff ?? defaultRetry.backoff;
    const jitteredBackoff: JitteredBackoffOptions = {
      type: JITTERED_EXPONENTIAL,
      delay: backoff.initialDelayMs,
      maxDelay: backoff.maxDelayMs ?? defaultRetry.backoff.maxDelayMs,
    };
    await this.queue.add(name, data, {
      jobId: toBullMqJobId(options.jobId),
      delay: Math.max(0, options.delayMs ?? 0),
      // BullMQ takes jobs without a priority before prioritised ones.
      ...(options.deferred ? { priority: DEFERRED_PRIORITY } : {}),
      attempts: options.attempts ?? defaultRetry.attempts,
      backoff: jitteredBackoff,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
  }

  work(handler: JobHandler, options: WorkerOptions = {}): void {
    if (this.closing) throw new Error('The job queue is closed');
    if (this.worker) throw new Error('work() was already called on this job queue');
    const processJob = async (job: BullJob) => track(this.handlers, handler(toPortJob(job, job.attemptsMade + 1)));
    const worker = new Worker(this.options.queueName, processJob, {
      // Options, not a client: BullMQ then owns both of the worker's connections (one blocks on BZPOPMIN) and
      // makes them wait for Redis (`maxRetriesPerRequest: null`) instead of failing the worker's loop.
      connection: { url: this.options.url, maxRetriesPerRequest: null },
      prefix: this.options.prefix,
      concurrency: options.concurrency ?? 10,
      settings: { backoffStrategy: jitteredBackoffStrategy },
    });
    worker.on('error', this.onError);
    worker.on('failed', (job, error) => {
      if (job) this.failed(job, error, options);
    });
    // Failures to connect reach the worker's 'error' event.
    worker.backend.client.then((client) => {
      this.reconnects.watch(client);
      this.workerConnections.push(client);
    }, ignore);
    worker.backend.blockingClient?.then((client) => this.workerConnections.push(client), ignore);
    this.worker = worker;
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /**
   * The whole queue's, every worker's jobs counted (BullMQ's getJobCounts); fails at once while Redis is away. A
   * deferred job waits in BullMQ's `prioritized` state, which `waiting` does not count.
   */
  async depth(): Promise<JobDepth> {
    const { waiting = 0, prioritized = 0, delayed = 0, active = 0 } = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return { waiting: waiting + prioritized, delayed, active };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private reconnected(): void {
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** BullMQ emits `failed` after every failed attempt; only the one with no attempts left is a dead letter. */
  private failed(job: BullJob, error: Error, options: WorkerOptions): void {
    const portJob = toPortJob(job, job.attemptsMade);
    const deadLetter = job.attemptsMade >= (job.opts.attempts ?? 1);
    const callback = (async () => {
      if (deadLetter) await options.onDeadLetter?.({ job: portJob, error: error.message });
      else options.onRetry?.(portJob, error);
    })();
    track(this.callbacks, callback).catch(this.onError);
  }

  /** Before the first connection, BullMQ would wait forever; after it, commands fail at once while Redis is away. */
  private async firstConnect(): Promise<void> {
    if (this.producerConnection.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis at ${new URL(this.options.url).host} is not reachable`)), this.options.firstConnectTimeoutMs ?? 5_000);
    });
    try {
      await Promise.race([this.queue.waitUntilReady(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async shutDown(): Promise<void> {
    this.reconnects.stop();
    if (this.worker) await this.closeWorker(this.worker);
    await Promise.allSettled([...this.callbacks]);
    await this.queue.close();
    await this.producerConnection.quit().catch(() => this.producerConnection.disconnect());
  }

  /**
   * Jobs still waiting stay in Redis for the next worker. BullMQ's graceful close waits for its blocking
   * connection to end, which never happens while that connection is reconnecting (ioredis drops the retry timer
   * on disconnect() without an 'end'): close() would hang for as long as Redis is away, or for good. So the
   * graceful close only runs with both connections live; otherwise, after a while, the worker is let go by force
   * once its active handlers are done (their jobs stay active in Redis, and come back as stalled ones).
   */
  private async closeWorker(worker: Worker): Promise<void> {
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 5_000);
    const live = () => this.workerConnections.length === 2 && this.workerConnections.every((client) => client.status === 'ready');
    while (!live() && Date.now() < deadline) await sleep(20);
    if (live()) return worker.close();
    await Promise.allSettled([...this.handlers]);
    await worker.close(true);
  }
}
