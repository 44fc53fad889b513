import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { notFoundProblem, toProblem } from '../problem.js';

export const unknownRoute: RequestHandler = (_req, _res, next) => next(notFoundProblem('no such route'));

/** Answers every error as problem+json; only a 5xx is logged with its stack, and no stack is ever sent. */
export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500) logger.error({ err: error, correlationId: req.correlationId, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
    res.status(problem.status);
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.type('application/problem+json').send(JSON.stringify(problem.toJSON()));
  };
