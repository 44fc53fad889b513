import type { Absent, Decider, DomainEvent } from '../../domain/shared/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventRegistry } from '../events/event-registry.js';
import { type AppendResult, type EventData, type EventStore, WrongExpectedVersionError } from '../ports/event-store.js';
import type { CommandContext } from './command-context.js';
import { type Decisions, decideInOrder, type ExpectedState, PreconditionFailedError, type ToDecide } from './decide-in-order.js';
import { StateCache } from './state-cache.js';
import { StreamBatches } from './stream-batches.js';
import { newId } from '../ids.js';

export { type ExpectedState, PreconditionFailedError } from './decide-in-order.js';

export interface HandleOptions<Expect extends ExpectedState = ExpectedState> {
  /**
   * What the command expects of its stream (default `any`), checked before the decider runs: `new` is refused with a
   * conflict (`<category>_exists`) once the stream exists, `existing` with not found (`<category>_not_found`) before.
   */
  expect?: Expect;
  /** A revision pinned by the caller (`If-Match`): checked once, never retried. */
  expectedRevision?: bigint;
  /** Deterministic ids for the new events, so a re-run reaction appends nothing new. */
  eventIds?: (index: number) => string;
}

/** The state a command leaves: one that exists, unless the command expected either. */
export type StateAfter<State, Expect extends ExpectedState> = Expect extends 'any' ? State : Exclude<State, Absent>;

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

/** Attempts a command gets against concurrent writers before its conflict is its answer. */
export const MAX_ATTEMPTS = 25;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/** A command waiting for its answer. */
interface Pending<State, Command, Event> extends ToDecide<Command> {
  context: CommandContext;
  eventIds: ((index: number) => string) | undefined;
  resolve: (result: CommandResult<State, Event>) => void;
  reject: (error: unknown) => void;
  /** Reported to the observer already. */
  settled: boolean;
}

/** A state to decide on: a stream's as read, or as cached. */
interface Base<State> {
  state: State;
  revision: bigint;
  position: bigint;
}

/**
 * Load, decide, append with the revision loaded; retry on a concurrent write unless the caller pinned the revision.
 *
 * The commands for one stream that arrive during one turn of the event loop (StreamBatches) are decided in order,
 * each on the state the previous left (decideInOrder), and appended together at the revision they were decided on:
 * concurrent commands to a hot aggregate then cost one append and no conflicts. Each still gets its own answer: its
 * own refusal, which leaves the others alone, or its events, the revision after them and its last event's position.
 * The first attempt decides on the cached state without reading the stream; the append's expected revision tells
 * whether that state was current.
 */
export class CommandHandler {
  /** One set of stream batches per decider, keyed by the decider itself (a stream belongs to one decider). */
  private readonly batches = new Map<object, unknown>();
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

  handle<State, Command, Event extends DomainEvent, Expect extends ExpectedState = 'any'>(
    decider: Decider<State, Command, Event>,
    stream: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions<Expect> = {},
  ): Promise<CommandResult<StateAfter<State, Expect>, Event>> {
    return new Promise((resolve, reject) => {
      const { expect, expectedRevision, eventIds } = options;
      // The check before deciding (decideInOrder) makes the state one that exists whenever `expect` is not `any`.
      const answer = resolve as (result: CommandResult<State, Event>) => void;
      const pending: Pending<State, Command, Event> = { command, expect, expectedRevision, context, eventIds, resolve: answer, reject, settled: false };
      // Events with given ids are appended on their own, so that a repeat is recognised as one.
      if (eventIds !== undefined) void this.process(decider, stream, [pending]);
      else this.batchesOf(decider).add(stream, pending);
    });
  }

  /** The current state of a stream, folded from the cache and whatever was appended since. */
  async load<State, Event extends DomainEvent>(decider: Decider<State, unknown, Event>, stream: string): Promise<Base<State>> {
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

  private batchesOf<State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>): StreamBatches<Pending<State, Command, Event>> {
    let batches = this.batches.get(decider) as StreamBatches<Pending<State, Command, Event>> | undefined;
    if (!batches) {
      batches = new StreamBatches((stream, commands) => void this.process(decider, stream, commands));
      this.batches.set(decider, batches);
    }
    return batches;
  }

  /** Settles every command of the batch, whatever happens. */
  private async process<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    commands: Pending<State, Command, Event>[],
  ): Promise<void> {
    try {
      if (!(await this.fromCache(decider, stream, commands))) await this.fromStream(decider, stream, commands);
    } catch (error) {
      // Settling twice is harmless: whatever was answered already stays answered (and is not reported again).
      for (const pending of commands) this.reject(pending, error);
    }
  }

  /**
   * Decides on the cached state and appends at the cached revision: true when that worked, so the cached state was the
   * current one (with given event ids, a repeat of an append made from the same state works too: the store recognises
   * it). Anything else answers false with nothing appended: nothing cached, or a refusal or a command that changes
   * nothing (either may be the doing of a state that is behind), or a conflict.
   */
  private async fromCache<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    commands: Pending<State, Command, Event>[],
  ): Promise<boolean> {
    const cached = this.cache.get(stream) as Base<State> | undefined;
    if (!cached || cached.revision < 0n) return false;
    const { decided, refused } = this.decide(decider, stream, cached, commands);
    if (refused.length > 0 || decided.some((decision) => decision.events.length === 0)) return false;
    try {
      await this.append(stream, cached, commands, decided);
      return true;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (this.observer) for (const pending of commands) this.observer.retried(typeOf(pending.command));
      return false;
    }
  }

  /** Reads the stream, decides and appends; after a concurrent write, decides again what may be retried. */
  private async fromStream<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    commands: Pending<State, Command, Event>[],
  ): Promise<void> {
    let unsettled = commands;
    for (let attempt = 1; unsettled.length > 0; attempt++) {
      const base = await this.load(decider, stream);
      const { decided, refused } = this.decide(decider, stream, base, unsettled);
      for (const { index, error } of refused) this.reject(unsettled[index]!, error);
      try {
        await this.append(stream, base, unsettled, decided);
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        unsettled = this.retryable(stream, decided.map(({ index }) => unsettled[index]!), error, attempt);
        if (unsettled.length > 0) await pause(attempt);
      }
    }
  }

  /** After a conflict, the commands to decide again: a pinned one has failed its precondition, one out of attempts its conflict. */
  private retryable<State, Command, Event>(stream: string, commands: Pending<State, Command, Event>[], conflict: WrongExpectedVersionError, attempt: number) {
    const actual = typeof conflict.actual === 'bigint' ? conflict.actual : -1n;
    return commands.filter((pending) => {
      if (pending.expectedRevision !== undefined) this.reject(pending, new PreconditionFailedError(stream, pending.expectedRevision, actual));
      else if (attempt >= MAX_ATTEMPTS) this.reject(pending, conflict);
      else {
        this.observer?.retried(typeOf(pending.command));
        return true;
      }
      return false;
    });
  }

  private decide<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    base: Base<State>,
    commands: Pending<State, Command, Event>[],
  ): Decisions<State, Event> {
    return decideInOrder(decider, stream, base, commands, (events, index) => this.encode(events, commands[index]!));
  }

  /**
   * Appends what was decided on `base` in one append at its revision, caches the state reached, and answers each
   * command with the position of its own last event (of the append's last one, where the store does not tell them apart).
   */
  private async append<State, Command, Event extends DomainEvent>(
    stream: string,
    base: Base<State>,
    commands: Pending<State, Command, Event>[],
    decided: Decisions<State, Event>['decided'],
  ): Promise<void> {
    const events = decided.flatMap((decision) => decision.encoded);
    const appended = events.length === 0 ? undefined : await this.appendTimed(stream, events, base.revision < 0n ? 'no_stream' : base.revision);
    if (appended) this.cache.set(stream, { state: decided[decided.length - 1]!.state, revision: appended.nextExpectedRevision, position: appended.position });
    let position = base.position;
    let appendedSoFar = 0;
    for (const { index, events: own, state, revision } of decided) {
      appendedSoFar += own.length;
      if (appended && own.length > 0) position = appended.positions?.[appendedSoFar - 1] ?? appended.position;
      const pending = commands[index]!;
      pending.resolve({ state, events: own, revision, position });
      this.report(pending, 'accepted');
    }
  }

  private async appendTimed(stream: string, events: EventData[], expectedRevision: bigint | 'no_stream'): Promise<AppendResult> {
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

  private encode<State, Command, Event extends DomainEvent>(events: readonly Event[], { context, eventIds }: Pending<State, Command, Event>): EventData[] {
    return events.map((event, index) => {
      const { data, schemaVersion } = this.registry.encode(event.type, event.data);
      return {
        id: eventIds?.(index) ?? newId(),
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

  private reject<State, Command, Event>(pending: Pending<State, Command, Event>, error: unknown): void {
    pending.reject(error);
    this.report(pending, outcomeOf(error));
  }

  private report<State, Command, Event>(pending: Pending<State, Command, Event>, outcome: CommandOutcome): void {
    if (pending.settled) return;
    pending.settled = true;
    this.observer?.settled(typeOf(pending.command), outcome);
  }
}
