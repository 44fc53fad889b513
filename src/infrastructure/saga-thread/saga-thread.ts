import type { Worker } from 'node:worker_threads';
import type { CommandObserver } from '../../application/commands/command-handler.js';
import type { JobDepth } from '../../application/ports/job-queue.js';
import type { SagaStepCounts } from '../../application/sagas/saga-jobs.js';
import type { Config } from '../config/config.js';
import type { CircuitInfo } from '../http-client/resilient-http-client.js';
import { moduleWorker } from '../process/module-worker.js';
import type { CommandObservations, FromSagaThread, SagaThreadData, SagaThreadStatus, ToSagaThread } from './messages.js';
import type { PaymentSimulator } from '../payment-gateway/simulator/payment-simulator.js';
import { type SagaWork, startBundledSimulator } from './saga-work.js';

/**
 * Whether the all-in-one server runs its sagas in a thread of their own: when its events are in a SQLite file that
 * both threads open (its jobs in the process or on Redis). An in-memory store cannot be shared; with EventStoreDB the
 * sagas scale as `saga-worker` processes (competing consumers on one queue).
 */
export const runsSagasInThread = (config: Config): boolean =>
  config.SERVICE_ROLE === 'all' &&
  config.SAGA_THREAD === 'on' &&
  !(config.EVENTSTORE_URL?.startsWith('memory:') || config.EVENTSTORE_URL?.startsWith('esdb'));

/**
 * The all-in-one server's sagas in a worker thread: the delivery, the job queue's worker, the reactions and the payment
 * gateway client run on a second core beside the HTTP API, the projections and the bundled payment simulator (which
 * stays in the main thread, where it evens out the work of the two), each thread on connections of its own to the
 * same SQLite files (the saga thread is a `saga-worker`; a SQLite append wakes the
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
  private running = true;
  /** The thread's exit code, once it has exited. */
  private readonly exited: Promise<number>;

  private constructor(
    private readonly worker: Worker,
    private readonly simulator: PaymentSimulator | undefined,
  ) {
    worker.on('message', (message: FromSagaThread) => this.receive(message));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.running = false;
        this.answerAll();
        resolve(code);
      }),
    );
  }

  /** Starts the thread; resolves once its sagas run, rejects with why they could not start. */
  static async start(config: Config, onCrash: (error: Error) => void): Promise<SagaThread> {
    const simulator = await startBundledSimulator(config);
    try {
      return await SagaThread.startThread({ ...config, PAYMENT_GATEWAY_URL: config.PAYMENT_GATEWAY_URL ?? simulator!.url }, simulator, onCrash);
    } catch (error) {
      await simulator?.stop();
      throw error;
    }
  }

  private static startThread(config: Config, simulator: PaymentSimulator | undefined, onCrash: (error: Error) => void): Promise<SagaThread> {
    const workerData: SagaThreadData = { config, pretty: process.stdout.isTTY === true };
    // Beside this module, as sources (.ts, through tsx) or built (.js).
    const entry = new URL(`./saga-thread-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    const worker = moduleWorker(entry, { workerData });
    const thread = new SagaThread(worker, simulator);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('error', (error) => (ready ? onCrash(error) : reject(error)));
      void thread.exited.then((code) => {
        if (!ready) reject(new Error(`the saga thread exited (${code}) before its sagas ran`));
        else if (thread.stopping === undefined) onCrash(new Error(`the saga thread exited (${code})`));
      });
      worker.on('message', (message: FromSagaThread) => {
        if (message.kind === 'start-failed') {
          reject(new Error(`the saga thread could not start: ${message.message}`));
          void worker.terminate();
        }
        if (message.kind !== 'ready') return;
        ready = true;
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
    if (!this.running || this.stopping) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.asked.set(id, resolve);
      this.worker.postMessage({ kind: 'status', id } satisfies ToSagaThread);
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopThread();
    return this.stopping;
  }

  private async stopThread(): Promise<void> {
    this.answerAll();
    // The simulator first: a charge it holds (tok_timeout) then fails at once, instead of keeping the thread's job,
    // and so the shutdown, waiting for the client's timeouts; the attempt is tried again after the restart.
    await this.simulator?.stop();
    if (this.running) {
      // Once its sagas have stopped and its stores are closed, whatever else the thread holds (kept-alive sockets) goes.
      this.worker.on('message', (message: FromSagaThread) => message.kind === 'stopped' && void this.worker.terminate());
      this.worker.postMessage({ kind: 'stop' } satisfies ToSagaThread);
    }
    await this.exited;
  }

  private receive(message: FromSagaThread): void {
    if (message.kind === 'commands') this.replay(message.observations);
    if (message.kind !== 'status') return;
    this.replay(message.observations);
    this.status = message.status;
    this.asked.get(message.id)?.();
    this.asked.delete(message.id);
  }

  private answerAll(): void {
    for (const answered of this.asked.values()) answered();
    this.asked.clear();
  }

  private replay({ settled, retried, appended }: CommandObservations): void {
    for (const observer of this.observers) {
      for (const [command, outcome] of settled) observer.settled(command, outcome);
      for (const command of retried) observer.retried(command);
      for (const [seconds, outcome] of appended) observer.appended(seconds, outcome);
    }
  }
}
