import { z } from 'zod';
import type { EventsOf } from '../shared/decider.js';

export const Role = z.enum(['admin', 'customer']);
export type Role = z.infer<typeof Role>;

export const UserRegistered = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  passwordHash: z.string(),
  roles: z.array(Role),
  registeredAt: z.string(),
});
export const UserRenamed = z.object({ userId: z.string(), name: z.string() });
export const UserRoleGranted = z.object({ userId: z.string(), role: Role });
export const UserPasswordChanged = z.object({ userId: z.string(), passwordHash: z.string() });

export const userEventSchemas = {
  UserRegistered,
  UserRenamed,
  UserRoleGranted,
  UserPasswordChanged,
} as const;

export type UserEvent = EventsOf<typeof userEventSchemas>;
export type UserEventType = UserEvent['type'];
