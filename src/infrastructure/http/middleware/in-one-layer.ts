import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Runs `handlers[index]` and, as each calls its `next`, the ones after it; then `next`. */
const runFrom = (handlers: readonly RequestHandler[], index: number, req: Request, res: Response, next: NextFunction): void => {
  if (index === handlers.length) return next();
  let result: unknown;
  // Caught here as the router catches a layer's throw: a handler may be called from a callback (a body read to its
  // end, a token verified), where nothing else would.
  try {
    // An inline callback rather than a named one: under tsx every named function made per request is renamed too.
    result = handlers[index]!(req, res, (error?: unknown) => (error !== undefined ? next(error) : runFrom(handlers, index + 1, req, res, next)));
  } catch (error) {
    return next(error);
  }
  if (result instanceof Promise) result.then(undefined, (rejected: unknown) => next(rejected ?? new Error('Rejected promise')));
};

/**
 * Middleware run one after the other as a single layer of the router: each layer costs every request a turn of the
 * router's dispatch. Errors go on as Express 5 takes them: passed to `next`, thrown, or a promise that rejects.
 */
export const inOneLayer = (...handlers: readonly RequestHandler[]): RequestHandler => {
  if (handlers.length === 1) return handlers[0]!;
  return (req, res, next) => runFrom(handlers, 0, req, res, next);
};
