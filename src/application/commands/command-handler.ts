import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import type { EventRegistry } from '../events/event-registry.js';
import { type EventData, type EventStore, type ExpectedRevision, WrongExpectedVersionError } from '../ports/event-store.js';
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

const MAX_ATTEMPTS = 25;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/** Read the stream, fold, decide, append with the revision read; retry its own conflicts unless pinned. */
export class CommandHandler {
  constructor(
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly cache = new StateCache(),
  ) {}

  async handle<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions = {},
  ): Promise<CommandResult<State, Event>> {
    const fromCache = await this.handleFromCache(decider, stream, command, context, options);
    if (fromCache) return fromCache;
    for (let attempt = 1; ; attempt++) {
      const current = await this.load(decider, stream);
      if (options.expectedRevision !== undefined && options.expectedRevision !== current.revision)
        throw new PreconditionFailedError(stream, options.expectedRevision, current.revision);
      const events = decider.decide(command, current.state);
      if (events.length === 0) return { ...current, events };
      const expectedRevision: ExpectedRevision = current.revision < 0n ? 'no_stream' : current.revision;
      try {
        return await this.append(decider, stream, current.state, events, expectedRevision, context, options);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (options.expectedRevision !== undefined)
          throw new PreconditionFailedError(stream, options.expectedRevision, typeof error.actual === 'bigint' ? error.actual : -1n);
        if (attempt >= MAX_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  }

  /**
   * The first attempt, without reading the stream: decide on the cached state and append at the cached revision.
   * The append succeeds only if nothing was appended since, so a success means the cached state was the current
   * one. Anything else (nothing cached, a pinned revision the cache does not hold, a rejection or no events from
   * what may be a stale state, a conflict) returns undefined and nothing was appended: the full path, which reads
   * the stream first, then gives the answer it always gave.
   */
  private async handleFromCache<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions,
  ): Promise<CommandResult<State, Event> | undefined> {
    const cached = this.cache.get(stream);
    if (!cached || cached.revision < 0n || options.eventIds !== undefined) return undefined;
    if (options.expectedRevision !== undefined && options.expectedRevision !== cached.revision) return undefined;
    let events: Event[];
    try {
      events = decider.decide(command, cached.state as State);
    } catch {
      return undefined;
    }
    if (events.length === 0) return undefined;
    try {
      return await this.append(decider, stream, cached.state as State, events, cached.revision, context, options);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return undefined;
      throw error;
    }
  }

  /** Appends what was decided on `state` at `expectedRevision`, and caches the state it leads to. */
  private async append<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    state: State,
    events: Event[],
    expectedRevision: ExpectedRevision,
    context: CommandContext,
    options: HandleOptions,
  ): Promise<CommandResult<State, Event>> {
    const appended = await this.store.appendToStream(stream, this.toEventData(events, context, options), { expectedRevision });
    const next = events.reduce(decider.evolve, state);
    this.cache.set(stream, { state: next, revision: appended.nextExpectedRevision, position: appended.position });
    return { state: next, events, revision: appended.nextExpectedRevision, position: appended.position };
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
