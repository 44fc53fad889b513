import express, { type RequestHandler } from 'express';
import { badRequest, Problem } from '../problem.js';

const parseJson = express.json({ limit: '1mb', strict: true, type: () => true });
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
/** Far deeper than any body the API takes (an order's items are 3 levels down); code that walks a body recursively
 * (fingerprints, schema checks, drivers) must never meet one deep enough to exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

/** Whether a parsed JSON value nests arrays and objects deeper than `limit`, walked without recursion. */
const nestsDeeperThan = (value: unknown, limit: number): boolean => {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
};

/**
 * JSON in: 415 for another media type, 413 past 1 MiB, 400 for malformed JSON or JSON nested deeper than
 * MAX_JSON_DEPTH. A bodiless POST reads as {}.
 */
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
  parseJson(req, res, (error?: unknown) => {
    if (error !== undefined) return next(bodyProblem(error as BodyError));
    if (nestsDeeperThan(req.body, MAX_JSON_DEPTH)) return next(badRequest(`the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`));
    next();
  });
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
