import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { PreconditionFailedError } from '../../application/commands/command-handler.js';
import { IdempotencyKeyReusedError } from '../../application/commands/request-keys.js';
import { WrongExpectedVersionError } from '../../application/ports/event-store.js';
import { InvalidCursorError } from '../../application/ports/read-store.js';
import { DomainError } from '../../domain/shared/errors.js';
import { isDependencyUnavailable } from './dependency-errors.js';

export interface ProblemDetail {
  path: string;
  message: string;
}

/** An RFC 9457 problem document, thrown anywhere in the HTTP edge and answered by the error handler. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: ProblemDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(): Record<string, unknown> {
    return {
      type: `https://ledgerflow.dev/problems/${this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

export const badRequest = (detail: string, errors?: ProblemDetail[]) => new Problem(400, 'Invalid request', detail, errors);
export const unauthorized = (detail = 'a valid bearer token is required') =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (detail = 'you may not do this') => new Problem(403, 'Forbidden', detail);
export const notFoundProblem = (detail = 'no such resource') => new Problem(404, 'Not found', detail);
export const idempotencyKeyReused = () => new Problem(422, 'Idempotency key reused', 'this Idempotency-Key was used with another request body');
export const serviceUnavailable = (detail: string, retryAfterSeconds = 1) =>
  new Problem(503, 'Service unavailable', detail, undefined, { 'Retry-After': String(retryAfterSeconds) });

export const validationProblem = (error: z.ZodError): Problem =>
  badRequest(
    'the request does not match its schema',
    error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );

const DOMAIN_STATUS = { not_found: [404, 'Not found'], conflict: [409, 'Conflict'], rule_violated: [422, 'Business rule violated'] } as const;

/**
 * The 4xx that an error of Express or of a library it runs (send for static files, body-parser) stands for, in the
 * shape of the http-errors package they share: a request `If-Match` or `Range` cannot satisfy is the caller's, not a 500.
 */
const clientErrorStatus = (error: unknown): number | undefined => {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
};

/** `Precondition Failed` as this API's titles write it: `Precondition failed`. */
const sentenceCase = (title: string): string => title.replace(/ (\w)/g, (_, first: string) => ` ${first.toLowerCase()}`);

/** The one place where errors become HTTP answers. Anything unknown is a 500 without details. */
export const toProblem = (error: unknown): Problem => {
  if (error instanceof Problem) return error;
  if (error instanceof z.ZodError) return validationProblem(error);
  if (error instanceof DomainError) {
    const [status, title] = DOMAIN_STATUS[error.kind];
    return new Problem(status, title, error.message, [{ path: '', message: error.code }]);
  }
  if (error instanceof PreconditionFailedError)
    return new Problem(412, 'Precondition failed', `the resource is at version ${error.actual}, not ${error.expected}`);
  if (error instanceof IdempotencyKeyReusedError) return idempotencyKeyReused();
  if (error instanceof WrongExpectedVersionError) return new Problem(409, 'Conflict', 'the resource changed meanwhile; try again');
  if (error instanceof InvalidCursorError) return badRequest(error.message, [{ path: 'cursor', message: error.message }]);
  // The router could not percent-decode a path parameter (`%ff`): such a path names nothing the server has.
  if (error instanceof URIError) return notFoundProblem('no such resource: the path is not valid percent-encoding');
  if (isDependencyUnavailable(error)) return serviceUnavailable('a server the platform depends on cannot be reached; try again shortly');
  const status = clientErrorStatus(error);
  if (status !== undefined) return new Problem(status, sentenceCase(STATUS_CODES[status] ?? 'Client error'), (error as Error).message);
  return new Problem(500, 'Internal error', 'the server could not complete the request');
};
