import type { Absent, Decider, DomainEvent } from '../../domain/shared/decider.js';
import type { CommandContext } from './command-context.js';
import type { CommandHandler, CommandResult } from './command-handler.js';

/** A command's result on an aggregate expected new or existing: its state exists. */
export type ExistingResult<State, Event> = CommandResult<Exclude<State, Absent>, Event>;

/** Makes the change a service answers of a result; never a source of inference: the decider says what State is. */
type ChangeOf<State, Event, Change> = NoInfer<(result: ExistingResult<State, Event>) => Change>;

/**
 * One aggregate type's commands as its use cases issue them: on the stream of the aggregate with the given id,
 * expecting it new or existing, pinned to the revision a caller's `If-Match` names (if any), and answered as
 * `changeOf` makes of the result.
 */
export class AggregateCommands<State, Command, Event extends DomainEvent, Change> {
  constructor(
    private readonly commands: CommandHandler,
    private readonly decider: Decider<State, Command, Event>,
    private readonly streamOf: (id: string) => string,
    private readonly changeOf: ChangeOf<State, Event, Change>,
  ) {}

  async execute(id: string, expect: 'new' | 'existing', command: Command, context: CommandContext, expectedRevision?: bigint): Promise<Change> {
    return this.changeOf(await this.handle(id, expect, command, context, expectedRevision));
  }

  /** As `execute`, answering the result itself. */
  handle(id: string, expect: 'new' | 'existing', command: Command, context: CommandContext, expectedRevision?: bigint): Promise<ExistingResult<State, Event>> {
    return this.commands.handle(this.decider, this.streamOf(id), command, context, { expect, ...(expectedRevision === undefined ? {} : { expectedRevision }) });
  }

  /** The change the first attempt of the request `context` carries made, when the aggregate records it (CommandHandler.repeatOf). */
  async repeatOf(id: string, context: CommandContext): Promise<Change | undefined> {
    const repeat = await this.commands.repeatOf(this.decider, this.streamOf(id), context);
    return repeat && this.changeOf(repeat);
  }
}
