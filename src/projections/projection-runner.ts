import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import { type CollectionSpec, type DocumentChange, FencedOffError, type FindQuery, type ProjectionTarget, type ReadStore, type StoredDocument } from '../application/ports/read-store.js';
import { eventTypesOf, type Projection } from './projection.js';
import { type ProjectionFault, ProjectionWorker } from './projection-worker.js';
import { PositionWaiters } from './position-waiters.js';

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

/** Who writes the read model, where projectors take turns under leases (null where this process is its only writer). */
export interface LeaseInfo {
  /** The projector holding the projection's lease (host, pid, role), or null while nobody does. */
  holder: string | null;
  /** Whether that is this process. */
  here: boolean;
}

export interface ProjectionInfo {
  name: string;
  position: string;
  lag: string;
  status: ProjectionStatus;
  error: ProjectionFault | null;
  rebuild: RebuildInfo | null;
  lease: LeaseInfo | null;
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
  claimFence(projection: string, token: number): Promise<void> {
    return this.store.claimFence(projection, token);
  }
  identity(): Promise<string> {
    return this.store.identity();
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

/** A rebuild ended without being swapped in: the new generation faulted, the runner was stopped, or its writes were fenced off. */
export class RebuildAbandonedError extends Error {
  override readonly name = 'RebuildAbandonedError';
  constructor(
    message: string,
    readonly reason: 'faulted' | 'stopped' | 'fenced-off',
  ) {
    super(message);
  }
}

export interface RunnerOptions {
  decode: (event: RecordedEvent) => RecordedEvent;
  /** Events a worker applies and commits at a time (default: the worker's). */
  batchSize?: number;
  retries?: number;
  retryDelayMs?: number;
  onFault?: (projection: string, fault: ProjectionFault) => void;
}

/** One run of a runner, from `start` to `stop`, with the fencing token its writes carry. */
interface Session {
  stopped: boolean;
  fence: number | undefined;
}

/**
 * Keeps one projection up to date, and rebuilds it beside the live generation on request:
 * the shadow generation catches up from position 0 while the live one keeps serving, then is swapped in.
 * Under a lease it is started with the lease's fencing token, which every write carries, and stopped when the lease
 * is lost; it may be started again later, with another token.
 */
export class ProjectionRunner {
  private live: ProjectionWorker | undefined;
  private shadow: ProjectionWorker | undefined;
  /** Set from the moment a rebuild is asked for until it is swapped in or given up. */
  private rebuilding: { startedAt: Date; done: number; total: number; settled: Promise<void> } | undefined;
  private caughtUpOnce = false;
  /**
   * What the live generations have processed, across stops and starts: a caller waiting when the lease is lost and
   * taken again is woken by the next run, not left waiting on a stopped worker.
   */
  private readonly processed = new PositionWaiters();
  private session: Session = { stopped: false, fence: undefined };
  private readonly listeners: LiveChangesListener[] = [];
  private readonly progressListeners: ((projection: string, position: bigint) => void)[] = [];
  private readonly fencedOffListeners: ((error: FencedOffError) => void)[] = [];
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

  /** Starts the live generation; with `fence`, the lease's token, which every write then carries. */
  async start(fence?: number): Promise<void> {
    this.session = { stopped: false, fence };
    await this.readStore.define(this.projection.name, this.projection.collections);
    const generation = await this.readStore.activeGeneration(this.projection.name);
    this.makeLive(await this.startWorker(generation, { live: true }));
  }

  /** Hears every position the live generation has processed (committed, or passed with nothing to apply), from now on. */
  onProgress(listener: (projection: string, position: bigint) => void): void {
    this.progressListeners.push(listener);
  }

  /** Hears when the read store refuses a write for its fencing token: the runner's workers have stopped (or are stopping). */
  onFencedOff(listener: (error: FencedOffError) => void): void {
    this.fencedOffListeners.push(listener);
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
    return this.processed.waitFor(position, timeoutMs);
  }

  /** Resolves once the read model has caught up with the head as it was when asked. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const reached = await this.waitFor(await this.events.headPosition(), timeoutMs);
    if (reached) this.caughtUpOnce = true;
    return reached;
  }

  /** Whether its live generation runs (started and not stopped since). */
  get running(): boolean {
    return this.live !== undefined && !this.session.stopped;
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
      lease: null,
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
    rebuilding.settled = this.runRebuild(rebuilding, this.session).finally(() => {
      if (this.rebuilding === rebuilding) this.rebuilding = undefined;
    });
    return rebuilding.settled;
  }

  private async runRebuild(progress: { done: number; total: number }, session: Session): Promise<void> {
    // What there is to do: the events of its types up to the head as it is now.
    const head = await this.events.headPosition();
    for await (const event of this.events.readAll({ filter: { eventTypes: eventTypesOf(this.projection) } })) {
      if (event.position > head || session.stopped) break;
      progress.total++;
    }
    if (session.stopped) throw new RebuildAbandonedError(`the ${this.name} rebuild was stopped`, 'stopped');
    const generation = (this.live?.target.generation ?? 0) + 1;
    await this.readStore.drop(this.targetOf(generation, session));
    const shadow = await this.startWorker(generation, { live: false, onEvent: () => progress.done++ });
    this.shadow = shadow;
    try {
      while (!session.stopped && !shadow.fault && !shadow.fencedOff) {
        const latest = await this.events.headPosition();
        if (await shadow.processed.waitFor(latest, 1000)) break;
      }
      if (session.stopped || shadow.fault || shadow.fencedOff) {
        await shadow.stop();
        if (shadow.fault)
          throw new RebuildAbandonedError(`the ${this.name} rebuild faulted at event ${shadow.fault.eventId}: ${shadow.fault.message}`, 'faulted');
        if (shadow.fencedOff) throw new RebuildAbandonedError(`the ${this.name} rebuild was fenced off: ${shadow.fencedOff.message}`, 'fenced-off');
        throw new RebuildAbandonedError(`the ${this.name} rebuild was stopped`, 'stopped');
      }
      const previous = this.live;
      await previous?.stop();
      try {
        await this.readStore.activate(shadow.target);
      } catch (error) {
        await shadow.stop();
        if (!(error instanceof FencedOffError)) throw error;
        for (const listener of this.fencedOffListeners) listener(error);
        throw new RebuildAbandonedError(`the ${this.name} rebuild was fenced off: ${error.message}`, 'fenced-off');
      }
      this.observed.get(shadow)?.startReporting();
      this.makeLive(shadow);
    } finally {
      this.shadow = undefined;
    }
  }

  /** Stops the workers (a rebuild running is given up); `start` may be called again afterwards. */
  async stop(): Promise<void> {
    this.session.stopped = true;
    await Promise.all([this.live?.stop(), this.shadow?.stop()]);
  }

  /**
   * A worker tells its progress only once it is the live one, and it may have passed events already while it started
   * (those it does not handle): that position is told now, or a store with nothing new would never be told it.
   */
  private makeLive(worker: ProjectionWorker): void {
    this.live = worker;
    const { position } = worker.processed;
    this.processed.advance(position);
    if (position > 0n) for (const listener of this.progressListeners) listener(this.name, position);
  }

  private targetOf(generation: number, session: Session = this.session): ProjectionTarget {
    return session.fence === undefined ? { projection: this.name, generation } : { projection: this.name, generation, fence: session.fence };
  }

  private async startWorker(generation: number, { live, onEvent }: { live: boolean; onEvent?: () => void }): Promise<ProjectionWorker> {
    const { decode } = this.options;
    const readStore = new ObservedReadStore(this.readStore, this.listeners, live);
    const worker: ProjectionWorker = new ProjectionWorker(this.projection, this.targetOf(generation), this.events, readStore, {
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
      onFencedOff: (error) => {
        for (const listener of this.fencedOffListeners) listener(error);
      },
      onProgress: (position) => {
        if (this.live !== worker) return;
        this.processed.advance(position);
        for (const listener of this.progressListeners) listener(this.name, position);
      },
    });
    this.observed.set(worker, readStore);
    await worker.start();
    return worker;
  }

  private status(lag: bigint): ProjectionStatus {
    if (this.session.stopped) return 'stopped';
    if (this.live?.fault) return 'faulted';
    if (this.rebuilding) return 'rebuilding';
    if (!this.live) return 'starting';
    return lag === 0n ? 'live' : 'catching_up';
  }
}
