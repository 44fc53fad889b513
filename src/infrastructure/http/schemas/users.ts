import { z } from 'zod';
import { plainText } from './common.js';

// The document shows the input side of a pipe (a string of at most 254): `format` says it must be an email too.
const Email = z.string().trim().max(254).pipe(z.email()).meta({ format: 'email' });
const Name = plainText().trim().min(1).max(100);

export const RegisterUserBody = z.strictObject({
  email: Email,
  password: z.string().min(8).max(128),
  name: Name,
});

/** Any password is checked (a wrong one is 401, not 400); the bound only keeps hashing cheap. */
export const TokenRequestBody = z.strictObject({
  email: Email,
  password: z.string().min(1).max(1024),
});

export const RenameUserBody = z.strictObject({ name: Name });

export const UserResponse = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.enum(['customer', 'admin'])),
  createdAt: z.string(),
});

export const RegisteredUserResponse = UserResponse.omit({ createdAt: true });

export const TokenResponse = z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() });
