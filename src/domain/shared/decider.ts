import type { z } from 'zod';

/** A message as the domain knows it: an event before the store gives it an id, position and metadata, or a command. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * The whole of an aggregate: three pure functions. Whether its stream must be new or must exist is not the
 * decider's to check: the command handler is told (`expect`) and refuses before `decide` runs. A command the state
 * cannot take (a creation once created, anything else before) decides nothing.
 */
export interface Decider<State, Command, Event extends DomainEvent> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** The state of an aggregate before its first event: the other states of its union say what it is once it exists. */
export interface Absent {
  status: 'absent';
}
export const absent = (): Absent => ({ status: 'absent' });

/** The union of messages described by a record of zod schemas keyed by message type. */
type MessagesOf<Schemas extends Record<string, z.ZodType>> = {
  [Type in keyof Schemas & string]: DomainEvent<Type, z.infer<Schemas[Type]>>;
}[keyof Schemas & string];

export type EventsOf<Schemas extends Record<string, z.ZodType>> = MessagesOf<Schemas>;
export type CommandsOf<Schemas extends Record<string, z.ZodType>> = MessagesOf<Schemas>;

/** The one message of a union with this type. */
export type MessageOf<Messages extends DomainEvent, Type extends Messages['type']> = Extract<Messages, { type: Type }>;
