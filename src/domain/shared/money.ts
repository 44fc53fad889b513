import { z } from 'zod';

export const Money = z.strictObject({
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code of three upper-case letters'),
});
export type Money = z.infer<typeof Money>;
