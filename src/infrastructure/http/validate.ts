import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { badRequest, notFoundProblem, validationProblem } from './problem.js';

/** Validates once, at the boundary; a mismatch is a 400 listing each path and message. */
export const parseWith = <Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationProblem(parsed.error);
  return parsed.data;
};

export const body = <Schema extends z.ZodType>(req: Request, schema: Schema): z.infer<Schema> => parseWith(schema, req.body);
export const query = <Schema extends z.ZodType>(req: Request, schema: Schema): z.infer<Schema> => parseWith(schema, req.query);

/** The pattern behind the `Id` schema, tested directly: the id in a path is read on every request to it. */
const ID = z.regexes.uuid();

/** The id in a path: anything but an id we gave out is simply not there (404, never a 400 that says how ids look). */
export const pathId = (raw: unknown, what: string): string => {
  if (typeof raw !== 'string' || !ID.test(raw)) throw notFoundProblem(`no such ${what}`);
  return raw;
};

/** Checks the path's `:id` first, so that nothing waits (`X-Min-Position`) for a request that can only be a 404. */
export const pathIdFirst =
  (what: string): RequestHandler =>
  (req, _res, next) => {
    pathId(req.params.id, what);
    next();
  };

const REVISION = /^(?:W\/)?"(\d{1,19})"$/;

/** `If-Match: "<revision>"` pins the stream revision a command expects; absent means "retry my own conflicts". */
export const ifMatch = (req: Request): bigint | undefined => {
  const header = req.get('If-Match');
  if (header === undefined) return undefined;
  const match = REVISION.exec(header.trim());
  if (!match) throw badRequest('If-Match must be a quoted revision, e.g. "3"', [{ path: 'If-Match', message: 'not a revision' }]);
  return BigInt(match[1]!);
};

export const etag = (revision: bigint | number): string => `"${revision}"`;
