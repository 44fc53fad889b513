import { conflict } from '../../domain/shared/errors.js';
import type { UserCommand } from '../../domain/users/commands.js';
import { normalizeEmail } from '../../domain/users/email.js';
import type { Role, UserEvent } from '../../domain/users/events.js';
import { type User, userDecider, type UserState, userStream } from '../../domain/users/user.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { EventStore } from '../ports/event-store.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { ReadStore } from '../ports/read-store.js';
import { UniqueClaims, UniqueValueClaimed } from '../uniqueness/unique-claims.js';
import { userById, type UserRecord, type UserView } from '../../projections/users/users-projection.js';
import { AggregateCommands, type ExistingResult } from '../commands/aggregate-commands.js';
import { resourceId } from '../commands/request-keys.js';

export interface UserChange {
  user: UserView;
  revision: bigint;
  position: bigint;
}

export interface NewUser {
  email: string;
  password: string;
  name: string;
}

/** A user as the API shows it, from the state a command left. */
const userViewOf = (user: User): UserView => ({
  id: user.userId,
  email: user.email,
  name: user.name,
  roles: [...user.roles],
  createdAt: user.registeredAt,
});

/** An email's claim and, when its owner was created, the owner (a claim without an owner was left by a crash). */
export interface EmailOwner {
  userId: string;
  user: User | null;
}

/** Emails are unique through claims on `user_email_unique-<hash>` streams (see UniqueClaims), case-insensitively. */
const EMAIL_SCOPE = 'user_email';

const changeOf = (result: ExistingResult<User, unknown>): UserChange => ({ user: userViewOf(result.state), revision: result.revision, position: result.position });

/** Users use cases: commands on the user aggregate, queries on the `users` read model. */
export class UsersService {
  private readonly users: AggregateCommands<UserState, UserCommand, UserEvent, UserChange>;

  constructor(
    private readonly commands: CommandHandler,
    private readonly claims: UniqueClaims,
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    private readonly hasher: PasswordHasher,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.users = new AggregateCommands(commands, userDecider, userStream, changeOf);
  }

  /**
   * Claims the email, then creates the user; a crash in between leaves a claim that a later sign-up takes over. A
   * repeat of the request answers what the first did before anything is claimed again.
   */
  async register(input: NewUser, context: CommandContext, options: { roles?: Role[]; userId?: string } = {}): Promise<UserChange> {
    const userId = options.userId ?? resourceId(context, 'user');
    const repeat = await this.users.repeatOf(userId, context);
    if (repeat) return repeat;
    const passwordHash = await this.hasher.hash(input.password);
    const claim = await this.claims.claim(EMAIL_SCOPE, normalizeEmail(input.email), userId, userStream, context);
    if (!claim.claimed) throw conflict('email_taken', 'a user with this email exists already');
    return this.users.execute(userId, 'new', {
      type: 'RegisterUser',
      data: { userId, email: input.email.trim(), name: input.name, passwordHash, roles: options.roles ?? ['customer'], at: this.now().toISOString() },
    }, context);
  }

  rename(userId: string, name: string, context: CommandContext, expectedRevision?: bigint): Promise<UserChange> {
    return this.users.execute(userId, 'existing', { type: 'RenameUser', data: { name } }, context, expectedRevision);
  }

  grantRole(userId: string, role: Role, context: CommandContext): Promise<UserChange> {
    return this.users.execute(userId, 'existing', { type: 'GrantRole', data: { role } }, context);
  }

  async changePassword(userId: string, password: string, context: CommandContext): Promise<UserChange> {
    return this.users.execute(userId, 'existing', { type: 'ChangePasswordHash', data: { passwordHash: await this.hasher.hash(password) } }, context);
  }

  /** Who holds the email, read from its claim stream and the owner's own stream (the source of truth, not a read model). */
  async ownerOf(email: string): Promise<EmailOwner | null> {
    const claimStream = UniqueClaims.stream(EMAIL_SCOPE, normalizeEmail(email));
    const [last] = await this.store.readStream(claimStream, { direction: 'backwards', maxCount: 1 });
    if (!last) return null;
    const { ownerId } = UniqueValueClaimed.parse(last.data);
    const { state } = await this.commands.load(userDecider, userStream(ownerId));
    return { userId: ownerId, user: state.status === 'absent' ? null : state };
  }

  get(userId: string): Promise<UserRecord | null> {
    return userById(this.readStore, userId);
  }
}
