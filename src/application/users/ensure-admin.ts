import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/shared/errors.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { UsersService } from './users-service.js';

export type AdminOutcome = 'registered' | 'ensured';

const ATTEMPTS = 5;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 20 * attempt));

/**
 * Makes sure the configured admin exists, holds the admin role and signs in with the configured password.
 * Idempotent: a boot that finds all of it in place appends nothing. A claim left without its user (a crash, or
 * another process booting at the same time) is completed under its owner's id; a lost race is simply retried.
 */
export const ensureAdmin = async (
  users: UsersService,
  hasher: PasswordHasher,
  admin: { email: string; password: string },
): Promise<AdminOutcome> => {
  const context = { correlationId: `ensure-admin-${randomUUID()}` };
  for (let attempt = 1; ; attempt++) {
    try {
      const owner = await users.ownerOf(admin.email);
      if (!owner?.user) {
        await users.register({ ...admin, name: 'Administrator' }, context, { roles: ['admin'], ...(owner ? { userId: owner.userId } : {}) });
        return 'registered';
      }
      await users.grantRole(owner.userId, 'admin', context);
      if (!(await hasher.verify(admin.password, owner.user.passwordHash))) await users.changePassword(owner.userId, admin.password, context);
      return 'ensured';
    } catch (error) {
      if (!(error instanceof DomainError && error.kind === 'conflict') || attempt >= ATTEMPTS) throw error;
      await pause(attempt);
    }
  }
};
