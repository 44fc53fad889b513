import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventRegistry } from '../events/event-registry.js';
import { type EventData, type EventStore, WrongExpectedVersionError } from '../ports/event-store.js';
import type { CommandContext } from './command-context.js';
import { StateCache } from './state-cache.js';
import { newId } from '../ids.js';

/** The caller's `If-Match` revision is not the stream's: nothing was appended. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly streamId: string,
    readonly expected: bigint,
    readonly actual: bigint,
  ) {
    super(`stream ${streamId} is at revision ${actual}, not ${expected}`);
  }
}

export interface HandleOptions {
  /** A revision pinned by the caller (`If-Match`): checked once, never retried. */
  expectedRevision?: bigint;
  /** The stream must not exist yet (creation commands). */
  mustNotExist?: boolean;
  /** Deterministic ids for the new events, so a re-run reaction appends nothing new. */
  eventIds?: (index: number) => string;
}

export interface CommandResult<State, Event> {
  state: State;
  events: Event[];
  /** The stream's revision after the command; -1n when the stream does not exist. */
  revision: bigint;
  /** Global position of the last event appended, or of the stream's last event when nothing was appended. */
  position: bigint;
}

/** How a command ended: its events appended (or none needed), refused by its decider (by kind), its If-Match not met, or an error. */
export type CommandOutcome = 'accepted' | 'refused_not_found' | 'refused_conflict' | 'refused_rule_violated' | 'precondition_failed' | 'failed';
/** How an append ended: appended, refused for a concurrent write (optimistic concurrency), or failed otherwise. */
export type AppendOutcome = 'appended' | 'conflict' | 'failed';

/** Told of every command and append (metrics). Called on the hot path: it must be cheap and must not throw. */
export interface CommandObserver {
  /** Once per command, by its `type`. */
  settled(command: string, outcome: CommandOutcome): void;
  /** A command decided again because its append met a concurrent write. */
  retried(command: string): void;
  appended(seconds: number, outcome: AppendOutcome): void;
}

const REFUSED: Readonly<Record<DomainError['kind'], CommandOutcome>> = {
  not_found: 'refused_not_found',
  conflict: 'refused_conflict',
  rule_violated: 'refused_rule_violated',
};
const outcomeOf = (error: unknown): CommandOutcome =>
  error instanceof DomainError ? REFUSED[error.kind] : error instanceof PreconditionFailedError ? 'precondition_failed' : 'failed';
const typeOf = (command: unknown): string => {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'unknown';
};

const MAX_ATTEMPTS = 25;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/** A command waiting for its stream's turn. */
interface Pending<State, Command, Event> {
  command: Command;
  context: CommandContext;
  options: HandleOptions;
  resolve: (result: CommandResult<State, Event>) => void;
  reject: (error: unknown) => void;
  /** Reported to the observer already. */
  settled: boolean;
}

/** What one command decided, on the state the commands before it in its batch left. */
interface Step<State, Command, Event> {
  pending: Pending<State, Command, Event>;
  events: Event[];
  state: State;
  revision: bigint;
}

/** A state to decide on: a stream's as read, or as cached. */
interface Base<State> {
  state: State;
  revision: bigint;
  position: bigint;
}

// Each queue holds commands for one stream, hence one decider; the map cannot say so in its type.
type AnyPending = Pending<any, any, any>;
type AnyDecider = Decider<any, any, any>;

/**
 * Read the stream, fold, decide, append with the revision read; retry its own conflicts unless pinned.
 *
 * The commands for one stream that arrive during one turn of the event loop are decided one after the other, each
 * on the state the previous left, and their events appended together, in one append at the revision they were
 * decided on. Concurrent commands to a hot aggregate then cost one append and no conflicts, where one append each
 * would have all but the first refused and retried. Each command still gets its own answer: its own refusal (which
 * leaves the others alone), or its events, the revision after them, and the position of its own last event.
 */
export class CommandHandler {
  private queued = new Map<string, { decider: AnyDecider; commands: AnyPending[] }>();
  private observer: CommandObserver | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly cache = new StateCache(),
  ) {}

  /** Tells `observer` of every command and append from now on. */
  observe(observer: CommandObserver): void {
    this.observer = observer;
  }

  handle<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions = {},
  ): Promise<CommandResult<State, Event>> {
    return new Promise((resolve, reject) => {
      const pending: Pending<State, Command, Event> = { command, context, options, resolve, reject, settled: false };
      // Events with given ids must be appended on their own, so that a repeat is recognised as one.
      if (options.eventIds !== undefined) return void this.handleBatch(decider, stream, [pending]);
      const queue = this.queued.get(stream);
      if (queue) return void queue.commands.push(pending);
      this.queued.set(stream, { decider, commands: [pending] });
      if (this.queued.size === 1) setImmediate(() => this.handleQueued());
    });
  }

  private handleQueued(): void {
    const queued = this.queued;
    this.queued = new Map();
    for (const [stream, { decider, commands }] of queued) void this.handleBatch(decider, stream, commands);
  }

  /** Settles every command of the batch, whatever happens. */
  private async handleBatch<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    commands: Pending<State, Command, Event>[],
  ): Promise<void> {
    try {
      if (await this.handleFromCache(decider, stream, commands)) return;
      let unsettled = commands;
      for (let attempt = 1; unsettled.length > 0; attempt++) {
        const current = await this.load(decider, stream);
        const steps = this.decideAll(decider, stream, current, unsettled, true)!;
        try {
          await this.append(stream, current, steps);
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          const actual = typeof error.actual === 'bigint' ? error.actual : -1n;
          unsettled = [];
          for (const { pending } of steps) {
            const pinned = pending.options.expectedRevision;
            if (pinned !== undefined) this.reject(pending, new PreconditionFailedError(stream, pinned, actual));
            else if (attempt >= MAX_ATTEMPTS) this.reject(pending, error);
            else {
              unsettled.push(pending);
              this.observer?.retried(typeOf(pending.command));
            }
          }
          if (unsettled.length > 0) await pause(attempt);
        }
      }
    } catch (error) {
      // Settling twice is harmless: whatever was answered already stays answered (and is not reported again).
      for (const pending of commands) this.reject(pending, error);
    }
  }

  /**
   * The first attempt, without reading the stream: decide on the cached state and append at the cached revision.
   * The append succeeds only if nothing was appended since, so a success means the cached state was the current
   * one (with given event ids, a repeat of an append made from the same state succeeds as the store recognises it).
   * Anything else (nothing cached, a pinned revision the cache does not hold, a refusal or no
   * events from what may be a stale state, a conflict) answers false and nothing was appended: the full path, which
   * reads the stream first, then gives the answer it always gave.
   */
  private async handleFromCache<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    commands: Pending<State, Command, Event>[],
  ): Promise<boolean> {
    const cached = this.cache.get(stream) as Base<State> | undefined;
    if (!cached || cached.revision < 0n) return false;
    const steps = this.decideAll(decider, stream, cached, commands, false);
    if (!steps) return false;
    try {
      await this.append(stream, cached, steps);
      return true;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      // Another writer got there first: the full path decides them again on the stream as it is.
      if (this.observer) for (const pending of commands) this.observer.retried(typeOf(pending.command));
      return false;
    }
  }

  /**
   * Decides the commands in order, each on the state the previous left. When `final` (the base was just read), a
   * refusal or a pinned revision that does not match answers that command at once and the others go on; otherwise
   * (the base may be stale) either gives up on the whole batch: undefined.
   */
  private decideAll<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    base: Base<State>,
    commands: Pending<State, Command, Event>[],
    final: boolean,
  ): Step<State, Command, Event>[] | undefined {
    const steps: Step<State, Command, Event>[] = [];
    let { state, revision } = base;
    for (const pending of commands) {
      const pinned = pending.options.expectedRevision;
      if (pinned !== undefined && pinned !== revision) {
        if (!final) return undefined;
        this.reject(pending, new PreconditionFailedError(stream, pinned, revision));
        continue;
      }
      let events: Event[];
      try {
        events = decider.decide(pending.command, state);
      } catch (error) {
        if (!final) return undefined;
        this.reject(pending, error);
        continue;
      }
      if (events.length === 0 && !final) return undefined;
      state = events.reduce(decider.evolve, state);
      revision += BigInt(events.length);
      steps.push({ pending, events, state, revision });
    }
    return steps;
  }

  /**
   * Appends what the steps decided on `base` in one append at its revision, caches the state reached, and answers
   * each with the position of its own last event (of the batch's last one, where the store does not tell them apart).
   */
  private async append<State, Command, Event extends DomainEvent>(stream: string, base: Base<State>, steps: Step<State, Command, Event>[]): Promise<void> {
    const events = steps.flatMap((step) => this.toEventData(step.events, step.pending.context, step.pending.options));
    const appended = events.length === 0 ? undefined : await this.appendTimed(stream, events, base.revision < 0n ? 'no_stream' : base.revision);
    if (appended) this.cache.set(stream, { state: steps[steps.length - 1]!.state, revision: appended.nextExpectedRevision, position: appended.position });
    let position = base.position;
    let appendedSoFar = 0;
    for (const { pending, events: decided, state, revision } of steps) {
      appendedSoFar += decided.length;
      if (appended && decided.length > 0) position = appended.positions?.[appendedSoFar - 1] ?? appended.position;
      pending.resolve({ state, events: decided, revision, position });
      this.report(pending, 'accepted');
    }
  }

  private async appendTimed(stream: string, events: EventData[], expectedRevision: bigint | 'no_stream') {
    const observer = this.observer;
    if (!observer) return this.store.appendToStream(stream, events, { expectedRevision });
    const started = performance.now();
    try {
      const appended = await this.store.appendToStream(stream, events, { expectedRevision });
      observer.appended((performance.now() - started) / 1000, 'appended');
      return appended;
    } catch (error) {
      observer.appended((performance.now() - started) / 1000, error instanceof WrongExpectedVersionError ? 'conflict' : 'failed');
      throw error;
    }
  }

  private reject(pending: AnyPending, error: unknown): void {
    pending.reject(error);
    this.report(pending, outcomeOf(error));
  }

  private report(pending: AnyPending, outcome: CommandOutcome): void {
    if (pending.settled) return;
    pending.settled = true;
    this.observer?.settled(typeOf(pending.command), outcome);
  }

  /** The current state of a stream, folded from the cache and whatever was appended since. */
  async load<State, Event extends DomainEvent>(
    decider: Decider<State, unknown, Event>,
    stream: string,
  ): Promise<{ state: State; revision: bigint; position: bigint }> {
    const cached = this.cache.get(stream);
    let state = (cached?.state as State | undefined) ?? decider.initialState();
    let revision = cached?.revision ?? -1n;
    let position = cached?.position ?? 0n;
    const newer = await this.store.readStream(stream, { fromRevision: revision + 1n });
    for (const recorded of newer) {
      state = decider.evolve(state, this.registry.decode<Event>(recorded));
      revision = recorded.revision;
      position = recorded.position;
    }
    if (newer.length > 0) this.cache.set(stream, { state, revision, position });
    return { state, revision, position };
  }

  private toEventData(events: readonly DomainEvent[], context: CommandContext, options: HandleOptions): EventData[] {
    return events.map((event, index) => {
      const { data, schemaVersion } = this.registry.encode(event.type, event.data);
      return {
        id: options.eventIds?.(index) ?? newId(),
        type: event.type,
        data,
        metadata: {
          correlationId: context.correlationId,
          causationId: context.causationId ?? context.correlationId,
          ...(context.userId === undefined ? {} : { userId: context.userId }),
          ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
          schemaVersion,
        },
      };
    });
  }
}
