import { z } from 'zod';

export { Money } from '../../../domain/shared/money.js';

export const Id = z.uuid();

const DECIMAL = /^\d{1,9}$/;

/**
 * An integer from a query string, written in decimal digits only: `Number()` would also take `0x10`, `1e2`, ` 10`.
 * Anything else is left a string, which the number schema refuses (400); the document shows the number schema.
 */
const decimalInteger = (min: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value), z.number().int().min(min).max(max));

/** No control characters (C0, DEL, C1) and no bidirectional overrides or isolates, which make a name read as another. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const PLAIN = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/;

/** A name or code as people read it (user and product names, skus, outcomes): text without control characters. */
export const plainText = () => z.string().regex(PLAIN, 'must not contain control characters or bidirectional overrides');

export const ListQuery = z.strictObject({
  limit: decimalInteger(1, 100).default(20),
  /** A page's `nextCursor` (base64url); whether it is one the server gave out is the store's to tell (400 too). */
  cursor: z.string().min(1).max(500).regex(/^[A-Za-z0-9_-]+$/, 'the cursor is not one this server gave out').optional(),
});

export const page = <Item extends z.ZodType>(item: Item) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A user as another context shows them (`createdBy`, `customer`): from the users API, null when that call fails. */
export const UserSummary = z.object({ id: z.string(), name: z.string() });
