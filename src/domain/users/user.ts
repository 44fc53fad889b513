import type { Decider } from '../shared/decider.js';
import { conflict, notFound } from '../shared/errors.js';
import type { UserCommand } from './commands.js';
import type { Role, UserEvent } from './events.js';

/** What the read side and sign-in need from a user. */
export interface User {
  exists: boolean;
  userId: string;
  email: string;
  name: string;
  roles: readonly Role[];
  passwordHash: string;
  registeredAt: string;
}

export const initialState = (): User => ({
  exists: false,
  userId: '',
  email: '',
  name: '',
  roles: [],
  passwordHash: '',
  registeredAt: '',
});

/** Every registered user is a customer; roles are kept distinct, in a stable order. */
const registeredRoles = (requested: readonly Role[]): Role[] =>
  (['customer', 'admin'] as const).filter((role) => role === 'customer' || requested.includes(role));

export const hasRole = (user: User, role: Role): boolean => user.roles.includes(role);

export const decide = (command: UserCommand, state: User): UserEvent[] => {
  if (command.type === 'RegisterUser') {
    if (state.exists) throw conflict('user_exists', `user ${command.data.userId} already exists`);
    const { userId, email, name, passwordHash, roles, at } = command.data;
    return [{ type: 'UserRegistered', data: { userId, email, name, passwordHash, roles: registeredRoles(roles), registeredAt: at } }];
  }
  if (!state.exists) throw notFound('user_not_found', 'no such user');
  const userId = state.userId;
  switch (command.type) {
    case 'RenameUser':
      if (command.data.name === state.name) return [];
      return [{ type: 'UserRenamed', data: { userId, name: command.data.name } }];
    case 'GrantRole':
      if (hasRole(state, command.data.role)) return [];
      return [{ type: 'UserRoleGranted', data: { userId, role: command.data.role } }];
    case 'ChangePasswordHash':
      if (command.data.passwordHash === state.passwordHash) return [];
      return [{ type: 'UserPasswordChanged', data: { userId, passwordHash: command.data.passwordHash } }];
  }
};

export const evolve = (state: User, event: UserEvent): User => {
  switch (event.type) {
    case 'UserRegistered':
      return { ...event.data, exists: true };
    case 'UserRenamed':
      return { ...state, name: event.data.name };
    case 'UserRoleGranted':
      return { ...state, roles: [...state.roles, event.data.role] };
    case 'UserPasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash };
  }
};

export const userDecider: Decider<User, UserCommand, UserEvent> = { decide, evolve, initialState };

export const userStream = (userId: string): string => `user-${userId}`;
