import type { RequestHandler } from 'express';
import { badRequest, serviceUnavailable } from '../problem.js';

export interface ReadModelProgress {
  /** Resolves true once the named read model has processed `position`, false after `timeoutMs`. */
  waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean>;
}

const POSITION = /^\d{1,19}$/;
const WAIT_MS = 5_000;

/** `X-Min-Position`: answer only once the read model behind this GET has passed that position. */
export const minPosition =
  (progress: ReadModelProgress, readModel: string): RequestHandler =>
  async (req, _res, next) => {
    const header = req.get('X-Min-Position');
    if (header === undefined) return next();
    if (!POSITION.test(header.trim()))
      return next(badRequest('X-Min-Position must be a decimal position', [{ path: 'X-Min-Position', message: 'not a position' }]));
    const reached = await progress.waitFor(readModel, BigInt(header.trim()), WAIT_MS);
    if (!reached) return next(serviceUnavailable(`the ${readModel} read model has not reached position ${header} yet`));
    next();
  };
