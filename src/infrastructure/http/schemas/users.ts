import { z } from 'zod';
import { plainText } from './common.js';

/**
 * zod's email check, with blanks around the address allowed (they are dropped): tested on the string as sent, so the
 * document's `pattern` is the very check the server makes (a `format: email` would be another validator's idea).
 */
const EMAIL = new RegExp(`^\\s*(?:${z.regexes.email.source.slice(1, -1)})\\s*$`);
const Email = z.string().max(254).regex(EMAIL, 'Invalid email address').trim().meta({ description: 'an email address; blanks around it are dropped' });
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
