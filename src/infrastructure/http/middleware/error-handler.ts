import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDependencyUnavailable } from '../dependency-errors.js';
import { notFoundProblem, Problem, toProblem } from '../problem.js';

export const unknownRoute: RequestHandler = (_req, _res, next) => next(notFoundProblem('no such route'));

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** For a path the server serves, asked with another method: 405 with the methods it does serve in `Allow`. */
export const methodNotAllowed = (methods: ReadonlySet<string>): RequestHandler => {
  const allow = METHOD_ORDER.filter((method) => methods.has(method)).join(', ');
  return (req, _res, next) =>
    next(new Problem(405, 'Method not allowed', `${req.method} is not served here; ${allow} is`, undefined, { Allow: allow }));
};

/**
 * Answers every error as problem+json, and never sends a stack. Only a failure nobody answered on purpose (an error
 * that is not a Problem and becomes a 500) is logged, at error level with its stack; a Problem is an answer, even a 5xx
 * one such as X-Min-Position's 503 (the read model has not caught up yet: ask again), and its request line says so.
 * A server the platform depends on being unreachable (the 503 of an outage) is a warning without a stack: the outage
 * is the news, told by the connection's own log lines, and each request it turns away is one line.
 */
export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500 && !(error instanceof Problem)) {
      const request = { correlationId: req.correlationId, url: req.originalUrl };
      if (isDependencyUnavailable(error)) logger.warn({ ...request, cause: (error as Error).message }, 'request answered 503: a server it needs cannot be reached');
      else logger.error({ err: error, ...request }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(problem.status);
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.type('application/problem+json').send(JSON.stringify(problem.toJSON()));
  };
