import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import { conflict, type DomainError, notFound } from '../../domain/shared/errors.js';
import type { EventData } from '../ports/event-store.js';

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

/**
 * What a command expects of its stream: none yet (it creates the aggregate), one already, or either. A creation
 * that records nothing is refused too, so that a command expected to find or make its aggregate always has it after.
 */
export type ExpectedState = 'new' | 'existing' | 'any';

/** A command to decide: what it asks, what it expects of its stream, and the revision its caller pinned, if any. */
export interface ToDecide<Command> {
  command: Command;
  expect?: ExpectedState | undefined;
  expectedRevision?: bigint | undefined;
}

/** The stream's category names the aggregate in a refusal (`product-<id>`: `product_not_found`, "no such product"). */
const [categoryOf, idOf] = [(stream: string) => stream.split('-', 1)[0]!, (stream: string) => stream.slice(stream.indexOf('-') + 1)];

/** The refusal of a command whose stream is not in the state it expects, or undefined when it is. */
export const unexpectedState = (stream: string, expect: ExpectedState | undefined, revision: bigint): DomainError | undefined => {
  if (expect === 'new' && revision >= 0n) return conflict(`${categoryOf(stream)}_exists`, `${categoryOf(stream)} ${idOf(stream)} already exists`);
  if (expect === 'existing' && revision < 0n) return notFound(`${categoryOf(stream)}_not_found`, `no such ${categoryOf(stream)}`);
  return undefined;
};

/** What one command decided, on the state the commands before it left, its events already encoded for the store. */
export interface Decision<State, Event> {
  /** Index of the command among those decided. */
  index: number;
  events: Event[];
  encoded: EventData[];
  state: State;
  revision: bigint;
}

export interface Decisions<State, Event> {
  decided: Decision<State, Event>[];
  /** Commands refused (by the domain, by their pinned revision, or because their events cannot be encoded), by index. */
  refused: { index: number; error: unknown }[];
}

/**
 * Decides the commands one after the other, each on the state the previous left, starting from `base`. A command
 * that is refused leaves the state as it was, so the commands after it are decided as if it had never been asked;
 * encoding happens here too, so an event that cannot be stored refuses its own command and no other.
 */
export const decideInOrder = <State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
  stream: string,
  base: { state: State; revision: bigint },
  commands: readonly ToDecide<Command>[],
  encode: (events: readonly Event[], index: number) => EventData[],
): Decisions<State, Event> => {
  const decisions: Decisions<State, Event> = { decided: [], refused: [] };
  let { state, revision } = base;
  commands.forEach(({ command, expect, expectedRevision }, index) => {
    if (expectedRevision !== undefined && expectedRevision !== revision) {
      decisions.refused.push({ index, error: new PreconditionFailedError(stream, expectedRevision, revision) });
      return;
    }
    const unexpected = unexpectedState(stream, expect, revision);
    if (unexpected) {
      decisions.refused.push({ index, error: unexpected });
      return;
    }
    try {
      const events = decider.decide(command, state);
      if (expect === 'new' && events.length === 0) throw new Error(`a command expected to create ${stream} recorded nothing`);
      const encoded = encode(events, index);
      state = events.reduce(decider.evolve, state);
      revision += BigInt(events.length);
      decisions.decided.push({ index, events, encoded, state, revision });
    } catch (error) {
      decisions.refused.push({ index, error });
    }
  });
  return decisions;
};
