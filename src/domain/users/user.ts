import { type Absent, absent, type Decider } from '../shared/decider.js';
import type { UserCommand } from './commands.js';
import type { Role, UserEvent } from './events.js';

/** A registered user: what the read side and sign-in need. */
export interface User {
  status: 'registered';
  userId: string;
  email: string;
  name: string;
  roles: readonly Role[];
  passwordHash: string;
  registeredAt: string;
}

export type UserState = Absent | User;

export const initialState = (): UserState => absent();

/** Every registered user is a customer; roles are kept distinct, in a stable order. */
const registeredRoles = (requested: readonly Role[]): Role[] =>
  (['customer', 'admin'] as const).filter((role) => role === 'customer' || requested.includes(role));

export const hasRole = (user: User, role: Role): boolean => user.roles.includes(role);

export const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  if (state.status === 'absent') {
    if (command.type !== 'RegisterUser') return [];
    const { userId, email, name, passwordHash, roles, at } = command.data;
    return [{ type: 'UserRegistered', data: { userId, email, name, passwordHash, roles: registeredRoles(roles), registeredAt: at } }];
  }
  const userId = state.userId;
  switch (command.type) {
    case 'RegisterUser':
      return [];
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

export const evolve = (state: UserState, event: UserEvent): UserState => {
  if (event.type === 'UserRegistered') return { status: 'registered', ...event.data };
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'UserRenamed':
      return { ...state, name: event.data.name };
    case 'UserRoleGranted':
      return { ...state, roles: [...state.roles, event.data.role] };
    case 'UserPasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash };
  }
};

export const userDecider: Decider<UserState, UserCommand, UserEvent> = { decide, evolve, initialState };

export const userStream = (userId: string): string => `user-${userId}`;
