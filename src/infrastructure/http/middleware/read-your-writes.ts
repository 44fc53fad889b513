import type { RequestHandler } from 'express';
import type { ReadModelProgress } from '../../../application/ports/read-model-progress.js';
import { badRequest, serviceUnavailable } from '../problem.js';

export type { ReadModelProgress };

const POSITION = /^\d{1,19}$/;
const WAIT_MS = 5_000;

/** `X-Min-Position`: answer only once the read model behind this GET has passed that position. */
export const minPosition =
  (progress: ReadModelProgress, readModel: string): RequestHandler =>
  (req, _res, next) => {
    const header = req.headers['x-min-position'];
    if (header === undefined) return next();
    const position = typeof header === 'string' ? header.trim() : '';
    if (!POSITION.test(position))
      return next(badRequest('X-Min-Position must be a decimal position', [{ path: 'X-Min-Position', message: 'not a position' }]));
    progress.waitFor(readModel, BigInt(position), WAIT_MS).then(
      (reached) => next(reached ? undefined : serviceUnavailable(`the ${readModel} read model has not reached position ${position} yet`)),
      next,
    );
  };
