import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import type { ReadStore } from '../application/ports/read-store.js';
import type { Projection } from './projection.js';
import { type ProjectionFault, ProjectionWorker } from './projection-worker.js';

export type ProjectionStatus = 'starting' | 'catching_up' | 'live' | 'rebuilding' | 'faulted' | 'stopped';

export interface ProjectionInfo {
  name: string;
  position: string;
  lag: string;
  status: ProjectionStatus;
  error: ProjectionFault | null;
}

export interface RunnerOptions {
  decode: (event: RecordedEvent) => RecordedEvent;
  /** Events a worker applies and commits at a time (default: the worker's). */
  batchSize?: number;
  retries?: number;
  retryDelayMs?: number;
  onFault?: (projection: string, fault: ProjectionFault) => void;
}

/**
 * Keeps one projection up to date, and rebuilds it beside the live generation on request:
 * the shadow generation catches up from position 0 while the live one keeps serving, then is swapped in.
 */
export class ProjectionRunner {
  private live: ProjectionWorker | undefined;
  private shadow: ProjectionWorker | undefined;
  private caughtUpOnce = false;
  private stopped = false;

  constructor(
    readonly projection: Projection,
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: RunnerOptions,
  ) {}

  get name(): string {
    return this.projection.name;
  }

  async start(): Promise<void> {
    await this.readStore.define(this.projection.name, this.projection.collections);
    const generation = await this.readStore.activeGeneration(this.projection.name);
    this.live = await this.startWorker(generation);
  }

  /** Resolves true once the live read model has processed `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (!this.live) return Promise.resolve(false);
    return this.live.processed.waitFor(position, timeoutMs);
  }

  /** Resolves once the read model has caught up with the head as it was when asked. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const reached = await this.waitFor(await this.events.headPosition(), timeoutMs);
    if (reached) this.caughtUpOnce = true;
    return reached;
  }

  get hasCaughtUpOnce(): boolean {
    return this.caughtUpOnce;
  }

  async info(): Promise<ProjectionInfo> {
    const head = await this.events.headPosition();
    const position = this.live?.processed.position ?? 0n;
    const lag = head > position ? head - position : 0n;
    if (lag === 0n) this.caughtUpOnce = true;
    return { name: this.name, position: position.toString(), lag: lag.toString(), status: this.status(lag), error: this.live?.fault ?? null };
  }

  /** Starts a rebuild into the next generation unless one is running; resolves when it has been swapped in. */
  async rebuild(): Promise<void> {
    if (this.shadow) return;
    const generation = (this.live?.target.generation ?? 0) + 1;
    await this.readStore.drop({ projection: this.name, generation });
    const shadow = await this.startWorker(generation);
    this.shadow = shadow;
    try {
      while (!this.stopped && !shadow.fault) {
        const head = await this.events.headPosition();
        if (await shadow.processed.waitFor(head, 1000)) break;
      }
      if (this.stopped || shadow.fault) {
        await shadow.stop();
        return;
      }
      const previous = this.live;
      await previous?.stop();
      await this.readStore.activate(shadow.target);
      this.live = shadow;
    } finally {
      this.shadow = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.live?.stop(), this.shadow?.stop()]);
  }

  private async startWorker(generation: number): Promise<ProjectionWorker> {
    const worker = new ProjectionWorker(this.projection, { projection: this.name, generation }, this.events, this.readStore, {
      decode: this.options.decode,
      ...(this.options.batchSize === undefined ? {} : { batchSize: this.options.batchSize }),
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
      ...(this.options.retryDelayMs === undefined ? {} : { retryDelayMs: this.options.retryDelayMs }),
      onFault: (fault) => this.options.onFault?.(this.name, fault),
    });
    await worker.start();
    return worker;
  }

  private status(lag: bigint): ProjectionStatus {
    if (this.stopped) return 'stopped';
    if (this.live?.fault) return 'faulted';
    if (this.shadow) return 'rebuilding';
    if (!this.live) return 'starting';
    return lag === 0n ? 'live' : 'catching_up';
  }
}
