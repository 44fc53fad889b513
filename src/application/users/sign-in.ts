import { normalizeEmail } from '../../domain/users/email.js';
import type { User } from '../../domain/users/user.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { UsersService } from './users-service.js';

export type SignInOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'too_many_failures'; retryAfterSeconds: number };

/**
 * Checks an email and password against the user stream the email's claim points to.
 * Unknown email and wrong password give the same answer after the same work (a dummy scrypt), and every
 * attempt takes a point of the email's failure budget up front, given back when it succeeds: concurrent
 * guesses cannot overrun the budget, and once it is spent even the right password waits for the window to end.
 */
export class SignIn {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly failuresPerEmail: RateLimiter,
  ) {}

  async attempt(email: string, password: string): Promise<SignInOutcome> {
    const key = normalizeEmail(email);
    const budget = await this.failuresPerEmail.consume(key);
    if (!budget.allowed) return { ok: false, reason: 'too_many_failures', retryAfterSeconds: budget.retryAfterSeconds };
    const user = (await this.users.ownerOf(email))?.user ?? null;
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyNothing(password);
    if (!user || !valid) return { ok: false, reason: 'invalid_credentials' };
    await this.failuresPerEmail.refund(key);
    return { ok: true, user };
  }
}
