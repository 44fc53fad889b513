import { normalizeEmail } from '../../domain/users/email.js';
import type { User } from '../../domain/users/user.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { UsersService } from './users-service.js';

export type SignInOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_credentials' }
  /** `limit`: the failures of this email from this address, or those of this address whatever the email. */
  | { ok: false; reason: 'too_many_failures'; limit: 'email' | 'address'; retryAfterSeconds: number };

export interface SignInLimits {
  /** Failures per email *from one client address*: a guesser elsewhere cannot lock the owner out. */
  perEmailAndAddress: RateLimiter;
  /** Failures per client address, whatever the email: one address cannot try a little on every account. */
  perAddress: RateLimiter;
}

/**
 * Checks an email and password against the user stream the email's claim points to.
 * Unknown email and wrong password give the same answer after the same work (a dummy scrypt), and every
 * attempt takes a point of both failure budgets up front, given back when it succeeds: concurrent guesses cannot
 * overrun a budget, and once one is spent even the right password waits for its window to end.
 */
export class SignIn {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly limits: SignInLimits,
  ) {}

  async attempt(email: string, password: string, address: string): Promise<SignInOutcome> {
    const emailKey = `${normalizeEmail(email)}\u0000${address}`;
    const perEmail = await this.limits.perEmailAndAddress.consume(emailKey);
    if (!perEmail.allowed) return { ok: false, reason: 'too_many_failures', limit: 'email', retryAfterSeconds: perEmail.retryAfterSeconds };
    const perAddress = await this.limits.perAddress.consume(address);
    if (!perAddress.allowed) {
      // Refused before any password was looked at: not a failure of this email.
      await this.limits.perEmailAndAddress.refund(emailKey);
      return { ok: false, reason: 'too_many_failures', limit: 'address', retryAfterSeconds: perAddress.retryAfterSeconds };
    }
    const user = (await this.users.ownerOf(email))?.user ?? null;
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyNothing(password);
    if (!user || !valid) return { ok: false, reason: 'invalid_credentials' };
    await Promise.all([this.limits.perEmailAndAddress.refund(emailKey), this.limits.perAddress.refund(address)]);
    return { ok: true, user };
  }
}
