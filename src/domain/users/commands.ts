import { z } from 'zod';
import type { CommandsOf } from '../shared/decider.js';
import { Role } from './events.js';

/** `at`: when the user registers, an ISO 8601 instant supplied by the application. */
export const RegisterUser = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  passwordHash: z.string(),
  roles: z.array(Role),
  at: z.string(),
});
export const RenameUser = z.object({ name: z.string() });
export const GrantRole = z.object({ role: Role });
/** Lets the application ensure the boot-time admin idempotently: the same hash again records nothing. */
export const ChangePasswordHash = z.object({ passwordHash: z.string() });

export const userCommandSchemas = { RegisterUser, RenameUser, GrantRole, ChangePasswordHash } as const;

export type RegisterUser = z.infer<typeof RegisterUser>;
export type RenameUser = z.infer<typeof RenameUser>;
export type GrantRole = z.infer<typeof GrantRole>;
export type ChangePasswordHash = z.infer<typeof ChangePasswordHash>;
export type UserCommand = CommandsOf<typeof userCommandSchemas>;
