import type { Role } from '../../domain/users/events.js';
import type { User } from '../../domain/users/user.js';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
}

export const userViewOf = (user: User): UserView => ({
  id: user.userId,
  email: user.email,
  name: user.name,
  roles: [...user.roles],
  createdAt: user.registeredAt,
});
