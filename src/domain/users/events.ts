import { z } from 'zod';

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

type UserSchemas = typeof userEventSchemas;
export type UserEvent = { [K in keyof UserSchemas]: { type: K; data: z.infer<UserSchemas[K]> } }[keyof UserSchemas];
export type UserEventType = UserEvent['type'];
