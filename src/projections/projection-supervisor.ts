import type { EventStore } from '../application/ports/event-store.js';
import type { ReadStore } from '../application/ports/read-store.js';
import { FollowedProgress, type FollowedProgressOptions } from './followed-progress.js';
import { type LeaseEvent, type LeaseTiming, LeasedProjection } from './leased-projection.js';
import type { Projection } from './projection.js';
import type { ProgressChannel, ProjectionLeases } from './projection-lease.js';
import { type LiveChangesListener, type ProjectionInfo, ProjectionRunner, type ProjectionStatus, type RunnerOptions } from './projection-runner.js';

/** How long a wait listens to one side (the runner here, or the holder's progress) before it asks again which. */
const REROUTE_MS = 1_000;

export class UnknownProjectionError extends Error {
  constructor(readonly projection: string) {
    super(`no projection named ${projection}`);
  }
}

export interface SupervisorOptions extends RunnerOptions {
  /**
   * Projectors share the read store (Redis): each projection runs in this process only while it holds the
   * projection's lease. Without, every projection runs here from `start` (this process is the store's one writer).
   */
  leases?: { leases: ProjectionLeases; timing?: LeaseTiming; onEvent?: (projection: string, event: LeaseEvent) => void };
  /** Where this process tells how far the projections it runs are, and hears how far the others are (Redis pub/sub). */
  progress?: { channel: ProgressChannel; follow?: FollowedProgressOptions };
}

/** What a holder reports with each renewal of its lease, for the other projectors to show. */
interface HolderReport {
  position: string;
  status: ProjectionStatus;
  error: ProjectionInfo['error'];
  rebuild: ProjectionInfo['rebuild'];
}

/**
 * Runs every projection of the platform and answers for their progress (read-your-writes, readiness, the admin view).
 * With leases, a projection this process does not hold is answered for from the holder: its progress messages
 * (read-your-writes) and what it reports with its lease (the admin view).
 */
export class ProjectionSupervisor {
  private readonly runners: Map<string, ProjectionRunner>;
  private readonly leased: Map<string, LeasedProjection> | undefined;
  private readonly followed: FollowedProgress | undefined;
  /** Projections seen caught up through the holder's progress (see `catchUp`). */
  private readonly caughtUpElsewhere = new Set<string>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly projections: readonly Projection[],
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: SupervisorOptions,
  ) {
    this.runners = new Map(projections.map((projection) => [projection.name, new ProjectionRunner(projection, events, readStore, options)]));
    const { leases, progress } = options;
    if (progress) {
      this.followed = new FollowedProgress(progress.channel, readStore, progress.follow);
      for (const runner of this.runners.values()) runner.onProgress((name, position) => progress.channel.publish(name, position));
    }
    if (leases)
      this.leased = new Map(
        [...this.runners].map(([name, runner]) => [name, new LeasedProjection(runner, leases.leases, readStore, leases.timing, leases.onEvent)]),
      );
  }

  get names(): string[] {
    return [...this.runners.keys()];
  }

  /** Declares the read models' collections, for a process that reads them but runs no projection. */
  async defineReadModels(): Promise<void> {
    for (const projection of this.projections) await this.readStore.define(projection.name, projection.collections);
  }

  /** Starts every projection; with leases, those whose lease this process takes (it keeps trying for the others). */
  async start(): Promise<void> {
    this.started = true;
    this.stopped = false;
    if (this.leased) await Promise.all([...this.leased.values()].map((leased) => leased.start()));
    else await Promise.all([...this.runners.values()].map((runner) => runner.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leased) await Promise.all([...this.leased.values()].map((leased) => leased.stop()));
    else await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    await this.followed?.close();
  }

  /** Whether this process writes the projection now: it runs the projections and (with leases) holds its lease. */
  writes(name: string): boolean {
    this.runner(name);
    return this.started && (this.leased?.get(name)?.held ?? true);
  }

  /**
   * With leases, where the read model is written may change during a wait (a lease lost, or taken here): the wait
   * then asks again, every REROUTE_MS, whether to listen to the runner here or to the holder's progress.
   */
  async waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean> {
    const runner = this.runner(readModel);
    const followed = this.followed;
    if (!followed) return runner.waitFor(position, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const slice = Math.min(REROUTE_MS, Math.max(0, deadline - Date.now()));
      const reached = this.runsHere(readModel) ? await runner.waitFor(position, slice) : await followed.waitFor(readModel, position, slice);
      if (reached) return true;
      if (this.stopped || Date.now() >= deadline) return false;
    }
  }

  /** Whether the projection's live generation runs here now (a lease just taken is not yet running). */
  private runsHere(name: string): boolean {
    return this.writes(name) && this.runner(name).running;
  }

  /** Resolves true once every projection has caught up with the head as it was when asked (here, or where its lease is held). */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const reached = await Promise.all(
      [...this.runners].map(async ([name, runner]) => {
        if (!this.followed || this.runsHere(name)) return runner.catchUp(timeoutMs);
        const caughtUp = await this.followed.waitFor(name, await this.events.headPosition(), timeoutMs);
        if (caughtUp) this.caughtUpElsewhere.add(name);
        return caughtUp;
      }),
    );
    return reached.every(Boolean);
  }

  get allCaughtUpOnce(): boolean {
    return [...this.runners].every(([name, runner]) => runner.hasCaughtUpOnce || this.caughtUpElsewhere.has(name));
  }

  async info(): Promise<ProjectionInfo[]> {
    const holders = await this.holders(this.names);
    return Promise.all(this.names.map((name) => this.infoWith(name, holders)));
  }

  /** One projection's; throws UnknownProjectionError for a name it does not run. */
  async infoOf(name: string): Promise<ProjectionInfo> {
    this.runner(name);
    return this.infoWith(name, await this.holders([name]));
  }

  /**
   * Starts a rebuild beside the live read model, or joins the one running; it shows in `info()` at once. `swapped`
   * resolves when it has been swapped in, and rejects (RebuildAbandonedError) when it was given up. With leases, a
   * projection whose lease another projector holds is rebuilt there: the request is handed over (through Redis) and
   * `swapped` is undefined; the holder starts it at its next renewal, and the request outlives a holder that dies.
   */
  async rebuild(name: string): Promise<{ swapped?: Promise<void> }> {
    const runner = this.runner(name);
    const leased = this.leased?.get(name);
    if (!leased) return { swapped: runner.rebuild() };
    const swapped = await leased.rebuild();
    return swapped ? { swapped } : {};
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

  /** Who holds each lease; empty without leases, or while Redis does not answer. */
  private async holders(names: readonly string[]): Promise<Map<string, { holder: string; report: string | null }>> {
    if (!this.options.leases) return new Map();
    return this.options.leases.leases.holders(names).catch(() => new Map());
  }

  private async infoWith(name: string, holders: Map<string, { holder: string; report: string | null }>): Promise<ProjectionInfo> {
    const runner = this.runner(name);
    const leased = this.leased?.get(name);
    if (!leased) return runner.info();
    const entry = holders.get(name);
    if (leased.held) return { ...(await runner.info()), lease: { holder: entry?.holder ?? this.options.leases!.leases.holderId, here: true } };
    return { ...(await this.reported(name, entry?.report ?? null)), lease: { holder: entry?.holder ?? null, here: false } };
  }

  /** A projection another projector writes, as its holder last reported it (the read store's checkpoint while nobody holds it). */
  private async reported(name: string, report: string | null): Promise<Omit<ProjectionInfo, 'lease'>> {
    let said: (HolderReport & { at: bigint }) | undefined;
    try {
      const parsed = report === null ? undefined : (JSON.parse(report) as HolderReport);
      said = parsed && { ...parsed, at: BigInt(parsed.position) };
    } catch {
      said = undefined;
    }
    const head = await this.events.headPosition();
    const position = said?.at ?? (await this.readStore.checkpoint({ projection: name, generation: await this.readStore.activeGeneration(name) }));
    const lag = head > position ? head - position : 0n;
    const status: ProjectionStatus = !said ? 'starting' : said.status === 'live' || said.status === 'catching_up' ? (lag === 0n ? 'live' : 'catching_up') : said.status;
    return { name, position: position.toString(), lag: lag.toString(), status, error: said?.error ?? null, rebuild: said?.rebuild ?? null };
  }
}
