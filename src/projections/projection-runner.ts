import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import type { CollectionSpec, DocumentChange, FindQuery, ProjectionTarget, ReadStore, StoredDocument } from '../application/ports/read-store.js';
import { eventTypesOf, type Projection } from './projection.js';
import { type ProjectionFault, ProjectionWorker } from './projection-worker.js';

export type ProjectionStatus = 'starting' | 'catching_up' | 'live' | 'rebuilding' | 'faulted' | 'stopped';

/** A rebuild beside the live read model, while it runs. */
export interface RebuildInfo {
  /** Events of the projection's types the new generation has taken from `$all` so far. */
  eventsDone: number;
  /**
   * Events of the projection's types up to the head of `$all` when the rebuild started (counted first, so it grows
   * while the rebuild counts them); never less than `eventsDone`, as events appended meanwhile are rebuilt too.
   */
  eventsTotal: number;
  /** ISO 8601, UTC. */
  startedAt: string;
}

export interface ProjectionInfo {
  name: string;
  position: string;
  lag: string;
  status: ProjectionStatus;
  error: ProjectionFault | null;
  rebuild: RebuildInfo | null;
}

/**
 * What a live generation committed: the documents written (null: deleted) and, for each one it had loaded first,
 * what it was before (keyed by `documentKey(collection, id)`). Called after the commit; it must not throw.
 */
export type LiveChangesListener = (projection: string, changes: readonly DocumentChange[], before: ReadonlyMap<string, StoredDocument>) => void;

/**
 * The read store as one worker uses it, everything passed through; once reporting (a live generation), each commit
 * is told to the listeners with the documents the batch loaded before it (a worker loads, then commits, batch by batch).
 */
class ObservedReadStore implements ReadStore {
  private loaded: ReadonlyMap<string, StoredDocument> | undefined;

  constructor(
    private readonly store: ReadStore,
    private readonly listeners: readonly LiveChangesListener[],
    private reporting: boolean,
  ) {}

  startReporting(): void {
    this.reporting = true;
  }

  define(projection: string, collections: readonly CollectionSpec[]): Promise<void> {
    return this.store.define(projection, collections);
  }
  get(collection: string, id: string) {
    return this.store.get(collection, id);
  }
  find(collection: string, query: FindQuery) {
    return this.store.find(collection, query);
  }
  activeGeneration(projection: string): Promise<number> {
    return this.store.activeGeneration(projection);
  }
  checkpoint(target: ProjectionTarget): Promise<bigint> {
    return this.store.checkpoint(target);
  }
  async load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    const loaded = await this.store.load(target, keys);
    if (this.reporting && this.listeners.length > 0) this.loaded = loaded;
    return loaded;
  }
  async commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    const before = this.loaded;
    this.loaded = undefined;
    await this.store.commit(target, changes, checkpoint);
    if (!this.reporting || changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(target.projection, changes, before ?? new Map());
      } catch {
        // What listens (metrics) must never fail the read model.
      }
    }
  }
  activate(target: ProjectionTarget): Promise<void> {
    return this.store.activate(target);
  }
  drop(target: ProjectionTarget): Promise<void> {
    return this.store.drop(target);
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

/** A rebuild ended without being swapped in: the new generation faulted, or the runner was stopped. */
export class RebuildAbandonedError extends Error {
  override readonly name = 'RebuildAbandonedError';
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
  /** Set from the moment a rebuild is asked for until it is swapped in or given up. */
  private rebuilding: { startedAt: Date; done: number; total: number; settled: Promise<void> } | undefined;
  private caughtUpOnce = false;
  private stopped = false;
  private readonly listeners: LiveChangesListener[] = [];
  /** The read store as each worker sees it: what a live generation commits is reported to the listeners. */
  private readonly observed = new WeakMap<ProjectionWorker, ObservedReadStore>();

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
    this.live = await this.startWorker(generation, { live: true });
  }

  /**
   * Hears what the live generation commits (the documents written, and what they were before), from now on; a
   * rebuild's generation is heard once it is swapped in, never while it replays the past.
   */
  onLiveChanges(listener: LiveChangesListener): void {
    this.listeners.push(listener);
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
    const rebuilding = this.rebuilding;
    return {
      name: this.name,
      position: position.toString(),
      lag: lag.toString(),
      status: this.status(lag),
      error: this.live?.fault ?? null,
      rebuild: rebuilding
        ? { eventsDone: rebuilding.done, eventsTotal: Math.max(rebuilding.total, rebuilding.done), startedAt: rebuilding.startedAt.toISOString() }
        : null,
    };
  }

  /**
   * Starts a rebuild into the next generation, or joins the one running; resolves when it has been swapped in, and
   * rejects with RebuildAbandonedError when it is not (its generation faulted, or the runner stopped). The rebuild
   * shows in `info()` from the moment this is called.
   */
  rebuild(): Promise<void> {
    if (this.rebuilding) return this.rebuilding.settled;
    const rebuilding = { startedAt: new Date(), done: 0, total: 0, settled: Promise.resolve() };
    this.rebuilding = rebuilding;
    rebuilding.settled = this.runRebuild(rebuilding).finally(() => {
      this.rebuilding = undefined;
    });
    return rebuilding.settled;
  }

  private async runRebuild(progress: { done: number; total: number }): Promise<void> {
    // What there is to do: the events of its types up to the head as it is now.
    const head = await this.events.headPosition();
    for await (const event of this.events.readAll({ filter: { eventTypes: eventTypesOf(this.projection) } })) {
      if (event.position > head || this.stopped) break;
      progress.total++;
    }
    if (this.stopped) throw new RebuildAbandonedError(`the ${this.name} rebuild was stopped`);
    const generation = (this.live?.target.generation ?? 0) + 1;
    await this.readStore.drop({ projection: this.name, generation });
    const shadow = await this.startWorker(generation, { live: false, onEvent: () => progress.done++ });
    this.shadow = shadow;
    try {
      while (!this.stopped && !shadow.fault) {
        const latest = await this.events.headPosition();
        if (await shadow.processed.waitFor(latest, 1000)) break;
      }
      if (this.stopped || shadow.fault) {
        await shadow.stop();
        throw new RebuildAbandonedError(
          shadow.fault ? `the ${this.name} rebuild faulted at event ${shadow.fault.eventId}: ${shadow.fault.message}` : `the ${this.name} rebuild was stopped`,
        );
      }
      const previous = this.live;
      await previous?.stop();
      await this.readStore.activate(shadow.target);
      this.observed.get(shadow)?.startReporting();
      this.live = shadow;
    } finally {
      this.shadow = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.live?.stop(), this.shadow?.stop()]);
  }

  private async startWorker(generation: number, { live, onEvent }: { live: boolean; onEvent?: () => void }): Promise<ProjectionWorker> {
    const { decode } = this.options;
    const readStore = new ObservedReadStore(this.readStore, this.listeners, live);
    const worker = new ProjectionWorker(this.projection, { projection: this.name, generation }, this.events, readStore, {
      decode:
        onEvent === undefined
          ? decode
          : (event) => {
              onEvent();
              return decode(event);
            },
      ...(this.options.batchSize === undefined ? {} : { batchSize: this.options.batchSize }),
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
      ...(this.options.retryDelayMs === undefined ? {} : { retryDelayMs: this.options.retryDelayMs }),
      onFault: (fault) => this.options.onFault?.(this.name, fault),
    });
    this.observed.set(worker, readStore);
    await worker.start();
    return worker;
  }

  private status(lag: bigint): ProjectionStatus {
    if (this.stopped) return 'stopped';
    if (this.live?.fault) return 'faulted';
    if (this.rebuilding) return 'rebuilding';
    if (!this.live) return 'starting';
    return lag === 0n ? 'live' : 'catching_up';
  }
}
