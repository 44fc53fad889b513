import { FencedOffError, type ReadStore } from '../application/ports/read-store.js';
import type { ProjectionLeases } from './projection-lease.js';
import { RebuildAbandonedError, type ProjectionRunner } from './projection-runner.js';

export interface LeaseTiming {
  /** How often the holder renews its lease (default a third of the lease's time to live). */
  renewEveryMs?: number;
  /** How often a projector that does not hold the lease tries to take it (default a fifth of its time to live). */
  retryEveryMs?: number;
}

export type LeaseEvent =
  | { kind: 'acquired'; token: number }
  | { kind: 'lost'; token: number; reason: string }
  | { kind: 'trouble'; error: unknown }
  | { kind: 'rebuild'; outcome: 'swapped' | 'abandoned'; detail?: string };

const sleepless = (): void => undefined;

/** `stop` was called while the lease was being taken. */
class LeaseGivenUp extends Error {}

/**
 * Runs one projection in this process only while this process holds its lease: tries to take it, and once it has,
 * claims the fencing token in the read store (after which no older holder's write lands), starts the runner with
 * the token and renews the lease; when a renewal finds the lease gone, when renewals have failed until the lease
 * would have run out, or when the read store refuses a write for its token, the runner is stopped and the lease
 * is tried for again. A rebuild asked for anywhere (`ProjectionLeases.requestRebuild`) is run by the holder.
 */
export class LeasedProjection {
  private token: number | undefined;
  /** A token the read store has seen: the next acquisition must hand out a higher one. */
  private above = 0;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private steps: Promise<void> = Promise.resolve();
  private requestedRebuild: Promise<void> | undefined;
  private readonly renewEveryMs: number;
  private readonly retryEveryMs: number;

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly leases: ProjectionLeases,
    private readonly readStore: ReadStore,
    timing: LeaseTiming = {},
    private readonly onEvent: (projection: string, event: LeaseEvent) => void = sleepless,
  ) {
    this.renewEveryMs = timing.renewEveryMs ?? Math.max(1, Math.floor(leases.ttlMs / 3));
    this.retryEveryMs = timing.retryEveryMs ?? Math.max(1, Math.floor(leases.ttlMs / 5));
    runner.onFencedOff((error) => void this.serial(() => this.lose(`the read store refused a write: ${error.message}`)));
  }

  get name(): string {
    return this.runner.name;
  }

  /** Whether this process holds the lease (and so runs the projection). */
  get held(): boolean {
    return this.token !== undefined;
  }

  /** Makes a first attempt (resolved once it is settled: held and started, or not), then keeps trying. */
  start(): Promise<void> {
    this.stopped = false;
    return this.serial(() => this.attempt());
  }

  /** Stops trying; stops the runner and gives the lease up if held. Waits for no step under way (one may hang on Redis). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    const token = this.token;
    this.token = undefined;
    await this.runner.stop();
    if (token !== undefined) await this.leases.release(this.name, token).catch((error: unknown) => this.onEvent(this.name, { kind: 'trouble', error }));
    await this.requestedRebuild;
  }

  /**
   * Asks for a rebuild wherever the lease is held; when it is held here, starts it at once and answers the promise
   * of its swap (see ProjectionRunner.rebuild), else undefined (the holder starts it at its next renewal).
   */
  async rebuild(): Promise<Promise<void> | undefined> {
    await this.leases.requestRebuild(this.name);
    return this.held ? this.runRequestedRebuild(false) : undefined;
  }

  /** One step at a time: attempts, renewals, losses and the stop never overlap. */
  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.steps.then(step);
    this.steps = next.catch((error: unknown) => this.onEvent(this.name, { kind: 'trouble', error }));
    return next;
  }

  private schedule(step: () => Promise<void>, ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.serial(step).catch(sleepless), ms);
    this.timer.unref();
  }

  /**
   * Loses the lease on our side a little before it runs out in Redis (`ttlMs` after the renewal sent at `since`),
   * without waiting for a renewal that hangs.
   */
  private armWatchdog(since: number): void {
    clearTimeout(this.watchdog);
    const safety = Math.min(250, Math.floor(this.leases.ttlMs / 10));
    this.watchdog = setTimeout(() => void this.lose('no renewal succeeded within the lease time').catch(sleepless), since + this.leases.ttlMs - safety - Date.now());
    this.watchdog.unref();
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.token !== undefined) return;
    const since = Date.now();
    let token: number | undefined;
    try {
      token = await this.leases.acquire(this.name, this.above);
    } catch (error) {
      this.onEvent(this.name, { kind: 'trouble', error });
    }
    if (token === undefined) return this.schedule(() => this.attempt(), this.retryEveryMs);
    try {
      if (this.stopped) throw new LeaseGivenUp();
      await this.readStore.claimFence(this.name, token);
      if (this.stopped) throw new LeaseGivenUp();
      this.token = token;
      this.armWatchdog(since);
      await this.runner.start(token);
      // Stopped, or lost meanwhile (the watchdog, a refused write): whoever did so has seen to what follows.
      if (this.stopped || this.token !== token) throw new LeaseGivenUp();
    } catch (error) {
      if (this.token === token) this.token = undefined;
      clearTimeout(this.watchdog);
      await this.runner.stop();
      await this.leases.release(this.name, token).catch(sleepless);
      if (error instanceof LeaseGivenUp) return;
      if (error instanceof FencedOffError) {
        // The token counter is behind what the read store has seen (Redis lost it): ask for one above at once.
        this.above = error.highest;
        return this.schedule(() => this.attempt(), 0);
      }
      this.onEvent(this.name, { kind: 'trouble', error });
      return this.schedule(() => this.attempt(), this.retryEveryMs);
    }
    this.onEvent(this.name, { kind: 'acquired', token });
    this.schedule(() => this.renew(), this.renewEveryMs);
  }

  private async renew(): Promise<void> {
    const token = this.token;
    if (this.stopped || token === undefined) return;
    const since = Date.now();
    let renewal;
    try {
      const info = await this.runner.info();
      renewal = await this.leases.renew(this.name, token, JSON.stringify({ position: info.position, status: info.status, error: info.error, rebuild: info.rebuild }));
    } catch (error) {
      // Redis (or the event store) did not answer: try again soon; the watchdog gives the lease up in time.
      this.onEvent(this.name, { kind: 'trouble', error });
      return this.schedule(() => this.renew(), Math.min(this.renewEveryMs, 200));
    }
    if (this.token !== token) return;
    if (!renewal.held) return this.lose('the lease was found taken over or expired');
    this.armWatchdog(since);
    if (renewal.rebuildRequested) void this.runRequestedRebuild(true);
    this.schedule(() => this.renew(), this.renewEveryMs);
  }

  private async lose(reason: string): Promise<void> {
    const token = this.token;
    if (token === undefined) return;
    this.token = undefined;
    clearTimeout(this.watchdog);
    this.onEvent(this.name, { kind: 'lost', token, reason });
    await this.runner.stop();
    this.schedule(() => this.attempt(), this.retryEveryMs);
  }

  /**
   * Runs (or joins) the rebuild asked for; once swapped in, or faulted, the request is done. Kept for the next holder
   * if the lease is lost meanwhile. Its outcome is told (`onEvent`) when it was asked for elsewhere (`told`): whoever
   * asked here hears it from the promise.
   */
  private runRequestedRebuild(told: boolean): Promise<void> {
    const swapped = this.runner.rebuild();
    if (this.requestedRebuild) return swapped;
    this.requestedRebuild = swapped
      .then(
        async () => {
          if (told) this.onEvent(this.name, { kind: 'rebuild', outcome: 'swapped' });
          await this.leases.rebuildDone(this.name);
        },
        async (error: unknown) => {
          if (told) this.onEvent(this.name, { kind: 'rebuild', outcome: 'abandoned', detail: error instanceof Error ? error.message : String(error) });
          // Faulted: rebuilding again would fault again. Stopped or fenced off: the next holder rebuilds.
          if (error instanceof RebuildAbandonedError && error.reason === 'faulted') await this.leases.rebuildDone(this.name);
        },
      )
      .catch((error: unknown) => this.onEvent(this.name, { kind: 'trouble', error }))
      .finally(() => {
        this.requestedRebuild = undefined;
      });
    return swapped;
  }
}
