import { z } from 'zod';
import { InvalidCursorError } from '../../application/ports/read-store.js';
import type { Direction } from '../../application/ports/event-store.js';

/** A page of a stream goes on from this revision, in this direction. */
const StreamCursor = z.strictObject({ d: z.enum(['forwards', 'backwards']), r: z.string().regex(/^\d{1,15}$/) });
/** A page of `$all` goes on from this position. */
const AllCursor = z.strictObject({ p: z.string().regex(/^\d{1,19}$/) });

const encode = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

const decode = <Schema extends z.ZodType>(schema: Schema, cursor: string): z.infer<Schema> => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidCursorError();
  return parsed.data;
};

export const streamCursor = (direction: Direction, revision: bigint): string => encode({ d: direction, r: String(revision) });

export const fromStreamCursor = (cursor: string): { direction: Direction; fromRevision: bigint } => {
  const { d, r } = decode(StreamCursor, cursor);
  return { direction: d, fromRevision: BigInt(r) };
};

export const allCursor = (position: bigint): string => encode({ p: String(position) });

export const fromAllCursor = (cursor: string): bigint => BigInt(decode(AllCursor, cursor).p);
