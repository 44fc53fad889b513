import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import type { ReadStore } from '../application/ports/read-store.js';
import type { Projection } from './projection.js';
import { type LiveChangesListener, type ProjectionInfo, ProjectionRunner } from './projection-runner.js';
import type { ProjectionFault } from './projection-worker.js';

export class UnknownProjectionError extends Error {
  constructor(readonly projection: string) {
    super(`no projection named ${projection}`);
  }
}

/** Runs every projection of the platform and answers for their progress (read-your-writes, readiness, the admin view). */
export class ProjectionSupervisor {
  private readonly runners: Map<string, ProjectionRunner>;

  constructor(
    private readonly projections: readonly Projection[],
    events: EventStore,
    private readonly readStore: ReadStore,
    options: { decode: (event: RecordedEvent) => RecordedEvent; onFault?: (projection: string, fault: ProjectionFault) => void },
  ) {
    this.runners = new Map(projections.map((projection) => [projection.name, new ProjectionRunner(projection, events, readStore, options)]));
  }

  get names(): string[] {
    return [...this.runners.keys()];
  }

  /** Declares the read models' collections, for a process that reads them but runs no projection. */
  async defineReadModels(): Promise<void> {
    for (const projection of this.projections) await this.readStore.define(projection.name, projection.collections);
  }

  async start(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }

  waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean> {
    return this.runner(readModel).waitFor(position, timeoutMs);
  }

  /** Resolves true once every projection has caught up with the head as it was when asked. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const reached = await Promise.all([...this.runners.values()].map((runner) => runner.catchUp(timeoutMs)));
    return reached.every(Boolean);
  }

  get allCaughtUpOnce(): boolean {
    return [...this.runners.values()].every((runner) => runner.hasCaughtUpOnce);
  }

  info(): Promise<ProjectionInfo[]> {
    return Promise.all([...this.runners.values()].map((runner) => runner.info()));
  }

  /** One projection's; throws UnknownProjectionError for a name it does not run. */
  infoOf(name: string): Promise<ProjectionInfo> {
    return this.runner(name).info();
  }

  /**
   * Starts a rebuild beside the live read model, or joins the one running; it shows in `info()` at once. The promise
   * resolves when it has been swapped in, and rejects (RebuildAbandonedError) when it was given up.
   */
  rebuild(name: string): Promise<void> {
    return this.runner(name).rebuild();
  }

  /** Hears what every live read model commits from now on (see ProjectionRunner.onLiveChanges). */
  onLiveChanges(listener: LiveChangesListener): void {
    for (const runner of this.runners.values()) runner.onLiveChanges(listener);
  }

  private runner(name: string): ProjectionRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new UnknownProjectionError(name);
    return runner;
  }
}
