import type { Request, RequestHandler, Response } from 'express';
import { type AsOf, describeAsOf } from '../../projections/time-travel/as-of.js';
import { notFoundProblem, type Problem } from './problem.js';
import { AsOfQuery } from './schemas/time-travel.js';
import { query } from './validate.js';

const parseAsOf = (req: Request): AsOf | undefined => {
  const { asOf } = query(req, AsOfQuery);
  if (asOf === undefined) return undefined;
  return /^\d+$/.test(asOf) ? { revision: Number(asOf) } : { instant: new Date(asOf) };
};

/**
 * Reads `?asOf` (time travel) before anything else about the request, so that a value that is neither a revision
 * nor an instant, or any other parameter, is a 400 whatever the path; `asOfOf` then gives it to the handler.
 */
export const timeTravel: RequestHandler = (req, res, next) => {
  if (req.originalUrl.includes('?')) res.locals.asOf = parseAsOf(req);
  next();
};

/** The moment the request asks for (see `timeTravel`), or undefined for the resource as it is. */
export const asOfOf = (res: Response): AsOf | undefined => res.locals.asOf as AsOf | undefined;

export const notFoundAsOf = (what: string, asOf: AsOf | undefined): Problem =>
  notFoundProblem(asOf === undefined ? `no such ${what}` : `no such ${what} as of ${describeAsOf(asOf)}`);
