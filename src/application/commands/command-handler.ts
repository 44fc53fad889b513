import type { Absent, Decider, DomainEvent } from '../../domain/shared/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventRegistry } from '../events/event-registry.js';
import { type AppendResult, type EventData, type EventStore, WrongExpectedVersionError } from '../ports/event-store.js';
import type { CommandContext } from './command-context.js';
import { type Decisions, decideInOrder, type ExpectedState, PreconditionFailedError, type ToDecide } from './decide-in-order.js';
import {
  IdempotencyKeyReusedError,
  noteRequest,
  type RecordedRequest,
  type RequestKeys,
  requestEventId,
  requestMetadata,
  sortRequests,
} from './request-keys.js';
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
  error instanceof DomainError
    ? REFUSED[error.kind]
    : error instanceof PreconditionFailedError
      ? 'precondition_failed'
      : error instanceof IdempotencyKeyReusedError
        ? 'refused_rule_violated'
        : 'failed';
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
  keys: RequestKeys;
}

/** What one processing of a batch leaves to finish: the repeats being answered, and the commands to process after it. */
interface Leftovers<Pending> {
  replays: Promise<void>[];
  /** A second command of the batch under a key another of it has: processed once the first has settled, so a repeat. */
  deferred: Pending[];
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
 *
 * A command that carries a request's identity (its Idempotency-Key) records the key with its events and derives their
 * ids from it. When the stream already records the key, whatever state it is decided on, the command is a repeat of
 * a request that was applied (its answer may never have reached the caller): nothing is decided or appended, and it is
 * answered as the first attempt was, from the stream as it stood after that attempt's events; another body under the
 * same key is refused (IdempotencyKeyReusedError). The state a command is decided on always knows every key recorded
 * up to its revision, and an append at that revision fails when anything was appended since.
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
    const keys: RequestKeys = cached?.keys ?? new Map();
    const newer = await this.store.readStream(stream, { fromRevision: revision + 1n });
    for (const recorded of newer) {
      state = decider.evolve(state, this.registry.decode<Event>(recorded));
      revision = recorded.revision;
      position = recorded.position;
      noteRequest(keys, recorded);
    }
    if (newer.length > 0) this.cache.set(stream, { state, revision, position, keys });
    return { state, revision, position, keys };
  }

  /**
   * A state of the stream at `revision` or later: the cached one when it has got that far (no read), else the current
   * one. For a reaction to the stream's event at `revision`, which needs to know the state that event left, not more.
   */
  async loadSince<State, Event extends DomainEvent>(decider: Decider<State, unknown, Event>, stream: string, revision: bigint): Promise<Base<State>> {
    const cached = this.cache.get(stream) as Base<State> | undefined;
    return cached !== undefined && cached.revision >= revision ? cached : this.load(decider, stream);
  }

  /**
   * The answer the first attempt of the request `context` carries got on this stream, when the stream records its key
   * (else undefined), as handle() answers a repeat; IdempotencyKeyReusedError when that attempt had another body. For
   * a service that does something before its command (claims a unique value) which a repeat must not do again. A
   * stream that records a request has its events, so its aggregate exists.
   */
  async repeatOf<State, Event extends DomainEvent>(
    decider: Decider<State, unknown, Event>,
    stream: string,
    context: CommandContext,
  ): Promise<CommandResult<StateAfter<State, 'existing'>, Event> | undefined> {
    const identity = context.idempotency;
    if (!identity) return undefined;
    const base = await this.load(decider, stream);
    const earlier = base.keys.get(identity.key);
    if (!earlier) return undefined;
    if (earlier.fingerprint !== identity.fingerprint) throw new IdempotencyKeyReusedError();
    return (await this.replayOf(decider, stream, base, earlier, context)) as CommandResult<StateAfter<State, 'existing'>, Event>;
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
    const leftovers: Leftovers<Pending<State, Command, Event>> = { replays: [], deferred: [] };
    try {
      const cached = this.cache.get(stream) as Base<State> | undefined;
      const fresh = cached ? this.withoutRepeats(decider, stream, cached, commands, leftovers) : commands;
      if (fresh.length > 0 && !(await this.fromCache(decider, stream, fresh))) await this.fromStream(decider, stream, fresh, leftovers);
    } catch (error) {
      // Settling twice is harmless: whatever was answered already stays answered (and is not reported again).
      for (const pending of commands) this.reject(pending, error);
      leftovers.deferred = [];
    }
    await Promise.all(leftovers.replays);
    if (leftovers.deferred.length > 0) await this.process(decider, stream, leftovers.deferred);
  }

  /**
   * The commands that are not repeats of a request `base` records: a repeat is answered as its first attempt was (or
   * refused, for another body), and a second command under a key already among the batch is deferred.
   */
  private withoutRepeats<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    base: Base<State>,
    commands: Pending<State, Command, Event>[],
    leftovers: Leftovers<Pending<State, Command, Event>>,
  ): Pending<State, Command, Event>[] {
    const { fresh, repeats, reused, deferred } = sortRequests(base.keys, commands);
    for (const pending of reused) this.reject(pending, new IdempotencyKeyReusedError());
    for (const { item: pending, earlier } of repeats) {
      const replayed = this.replayOf(decider, stream, base, earlier, pending.context).then((result) => {
        pending.resolve(result);
        this.report(pending, 'accepted');
      });
      leftovers.replays.push(replayed.catch((error: unknown) => this.reject(pending, error)));
    }
    leftovers.deferred.push(...deferred);
    return fresh;
  }

  /** The answer of a request's first attempt: the stream as it stood after that attempt's last event. */
  private async replayOf<State, Event extends DomainEvent>(
    decider: Decider<State, unknown, Event>,
    stream: string,
    base: Base<State>,
    earlier: RecordedRequest,
    context: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    let state = base.state;
    if (earlier.revision !== base.revision) {
      state = decider.initialState();
      for (const recorded of await this.store.readStream(stream, { maxCount: Number(earlier.revision) + 1 }))
        state = decider.evolve(state, this.registry.decode<Event>(recorded));
    }
    context.idempotency?.onReplay?.();
    return { state, events: [], revision: earlier.revision, position: earlier.position };
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
    leftovers: Leftovers<Pending<State, Command, Event>>,
  ): Promise<void> {
    let unsettled = commands;
    for (let attempt = 1; unsettled.length > 0; attempt++) {
      const base = await this.load(decider, stream);
      unsettled = this.withoutRepeats(decider, stream, base, unsettled, leftovers);
      if (unsettled.length === 0) return;
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
    if (appended)
      this.cache.set(stream, { state: decided[decided.length - 1]!.state, revision: appended.nextExpectedRevision, position: appended.position, keys: base.keys });
    let position = base.position;
    let appendedSoFar = 0;
    for (const { index, events: own, state, revision } of decided) {
      appendedSoFar += own.length;
      if (appended && own.length > 0) position = appended.positions?.[appendedSoFar - 1] ?? appended.position;
      const pending = commands[index]!;
      const identity = pending.context.idempotency;
      if (identity && own.length > 0) base.keys.set(identity.key, { fingerprint: identity.fingerprint, revision, position });
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
    const identity = context.idempotency;
    return events.map((event, index) => {
      const { data, schemaVersion } = this.registry.encode(event.type, event.data);
      return {
        id: eventIds?.(index) ?? (identity ? requestEventId(identity, index) : newId()),
        type: event.type,
        data,
        metadata: {
          correlationId: context.correlationId,
          causationId: context.causationId ?? context.correlationId,
          ...(context.userId === undefined ? {} : { userId: context.userId }),
          ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
          ...requestMetadata(identity),
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
