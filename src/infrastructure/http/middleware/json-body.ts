import express, { type RequestHandler } from 'express';
import { badRequest, Problem } from '../problem.js';

const parseJson = express.json({ limit: '1mb', strict: true, type: () => true });
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** JSON in: 415 for another media type, 413 past 1 MiB, 400 for malformed JSON. A bodiless POST reads as {}. */
export const jsonBody: RequestHandler = (req, res, next) => {
  if (!WITH_BODY.has(req.method)) return next();
  const length = Number(req.get('content-length') ?? 0);
  const hasBody = length > 0 || req.get('transfer-encoding') !== undefined;
  if (!hasBody) {
    req.body = {};
    return next();
  }
  if (!req.is('application/json') && !req.is('application/*+json'))
    return next(new Problem(415, 'Unsupported media type', 'send the body as application/json'));
  parseJson(req, res, (error?: unknown) => next(error === undefined ? undefined : bodyProblem(error as BodyError)));
};

interface BodyError {
  type?: string;
  status?: number;
}

/** body-parser's errors, as the problems the API answers with. */
const bodyProblem = (error: BodyError): unknown => {
  if (error.type === 'entity.too.large') return new Problem(413, 'Content too large', 'the body is over 1 MiB');
  if (error.type === 'entity.parse.failed') return badRequest('the body is not valid JSON');
  if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported')
    return new Problem(415, 'Unsupported media type', 'send the body as UTF-8 JSON');
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) return badRequest('the body could not be read');
  return error;
};
