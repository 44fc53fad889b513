import { InvalidCursorError, type Scalar } from '../../application/ports/read-store.js';

/** An opaque keyset cursor: the sort value and id of the last item of a page. */
export interface CursorValue {
  sort: Scalar;
  id: string;
}

export const encodeCursor = (value: CursorValue): string => Buffer.from(JSON.stringify([value.sort, value.id])).toString('base64url');

export const decodeCursor = (cursor: string): CursorValue => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') {
      const sort = parsed[0] as unknown;
      if (sort === null || ['string', 'number', 'boolean'].includes(typeof sort)) return { sort: sort as Scalar, id: parsed[1] };
    }
  } catch {
    // fall through to the one error callers map to 400
  }
  throw new InvalidCursorError();
};
