import type { Worker } from 'node:worker_threads';
import type { CommandObserver } from '../../application/commands/command-handler.js';
import type { JobDepth } from '../../application/ports/job-queue.js';
import type { SagaStepCounts } from '../../application/sagas/saga-jobs.js';
import type { Config } from '../config/config.js';
import type { CircuitInfo } from '../http-client/resilient-http-client.js';
import type { Logger } from '../logging/logger.js';
import { moduleWorker } from '../process/module-worker.js';
import type { CommandObservations, FromSagaThread, SagaThreadData, SagaThreadStatus, ToSagaThread } from './messages.js';
import type { SagaWork } from './saga-work.js';

/**
 * Whether the all-in-one server runs its sagas in a thread of their own: when its events are in a SQLite file, which
 * both threads open (an in-memory store cannot be shared; with EventStoreDB, saga workers are processes of their own).
 */
export const runsSagasInThread = (config: Config): boolean =>
  config.SERVICE_ROLE === 'all' && config.SAGA_THREAD === 'on' && !(config.EVENTSTORE_URL?.startsWith('memory:') || config.EVENTSTORE_URL?.startsWith('esdb'));

/**
 * The all-in-one server's sagas in a worker thread: the delivery, the job queue's worker, the reactions, the payment
 * gateway client and the bundled simulator run on a second core beside the HTTP API and the projections, each thread
 * on connections of its own to the same SQLite files (the saga thread is a `saga-worker`; a SQLite append wakes the
 * other thread's subscriptions at once). Its figures come over on request (`refresh`, before a scrape), and the
 * commands it ran every second.
 *
 * The thread is part of the process: should it fail, the process stops (`onCrash`), and the restart re-derives the
 * unfinished work, as after any crash.
 */
export class SagaThread implements SagaWork {
  private status: SagaThreadStatus = { stepCounts: { succeeded: 0, retried: 0, deadLettered: 0 }, recoveriesDone: 0, depth: undefined, circuit: undefined };
  private readonly observers: CommandObserver[] = [];
  private readonly asked = new Map<number, () => void>();
  private nextId = 0;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromSagaThread) => this.receive(message));
  }

  /** Starts the thread; resolves once its sagas run, rejects with why they could not start. */
  static start(config: Config, logger: Logger, onCrash: (error: Error) => void): Promise<SagaThread> {
    const workerData: SagaThreadData = { config, pretty: process.stdout.isTTY === true };
    // Beside this module, as sources (.ts, through tsx) or built (.js).
    const entry = new URL(`./saga-thread-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    const worker = moduleWorker(entry, { workerData });
    const thread = new SagaThread(worker);
    return new Promise((resolve, reject) => {
      const failedToStart = (error: Error) => reject(error);
      const exitedEarly = (code: number) => reject(new Error(`the saga thread exited (${code}) before its sagas ran`));
      worker.once('error', failedToStart);
      worker.once('exit', exitedEarly);
      worker.on('message', (message: FromSagaThread) => {
        if (message.kind === 'start-failed') {
          void worker.terminate();
          reject(new Error(`the saga thread could not start: ${message.message}`));
        }
        if (message.kind !== 'ready') return;
        worker.off('error', failedToStart);
        worker.off('exit', exitedEarly);
        worker.on('error', (error) => {
          logger.fatal({ err: error }, 'the saga thread failed');
          onCrash(error);
        });
        worker.on('exit', (code) => {
          if (thread.stopping === undefined) onCrash(new Error(`the saga thread exited (${code})`));
        });
        resolve(thread);
      });
    });
  }

  get stepCounts(): SagaStepCounts {
    return this.status.stepCounts;
  }

  get recoveriesDone(): number {
    return this.status.recoveriesDone;
  }

  get circuit(): CircuitInfo | undefined {
    return this.status.circuit;
  }

  async jobDepth(): Promise<JobDepth | undefined> {
    return this.status.depth;
  }

  observeCommands(observer: CommandObserver): void {
    this.observers.push(observer);
  }

  /** Asks the thread where it stands; its answer brings the commands it ran since it last said. */
  refresh(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.asked.set(id, resolve);
      this.send({ kind: 'status', id });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      for (const answered of this.asked.values()) answered();
      this.asked.clear();
      this.worker.on('message', (message: FromSagaThread) => message.kind === 'stopped' && void this.worker.terminate());
      this.worker.once('exit', () => resolve());
      this.send({ kind: 'stop' });
    });
    return this.stopping;
  }

  private send(message: ToSagaThread): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromSagaThread): void {
    if (message.kind === 'commands') this.replay(message.observations);
    if (message.kind !== 'status') return;
    this.replay(message.observations);
    this.status = message.status;
    this.asked.get(message.id)?.();
    this.asked.delete(message.id);
  }

  private replay({ settled, retried, appended }: CommandObservations): void {
    for (const observer of this.observers) {
      for (const [command, outcome] of settled) observer.settled(command, outcome);
      for (const command of retried) observer.retried(command);
      for (const [seconds, outcome] of appended) observer.appended(seconds, outcome);
    }
  }
}
