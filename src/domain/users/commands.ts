import type { Role } from './events.js';

export type UserCommand =
  | {
      type: 'RegisterUser';
      data: { userId: string; email: string; name: string; passwordHash: string; roles: Role[]; at: string };
    }
  | { type: 'RenameUser'; data: { name: string } }
  | { type: 'GrantRole'; data: { role: Role } }
  /** Lets the application ensure the boot-time admin idempotently: the same hash again records nothing. */
  | { type: 'ChangePasswordHash'; data: { passwordHash: string } };

export type EmailReservationCommand = { type: 'ReserveEmail'; data: { email: string; userId: string } };
