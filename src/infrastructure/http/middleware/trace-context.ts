import type { Request, RequestHandler } from 'express';
import { childSpan, formatTraceparent, parseTraceparent } from '../../../application/tracing/trace-context.js';
import type { HeaderList } from '../answer-head.js';

/**
 * Each request is a span: under the caller's `traceparent` when it sends a valid one, else the root of a new trace.
 * Its context goes into the events the request appends and the calls it makes.
 */
export const traceContext: RequestHandler = (req, _res, next) => {
  const given = req.headers.traceparent;
  req.traceparent = formatTraceparent(childSpan(parseTraceparent(typeof given === 'string' ? given : undefined)));
  next();
};

/** `traceresponse` (W3C Trace Context Level 2) tells the caller which trace and span it was (see `everyAnswerCarries`). */
export const traceResponseHeader = (req: Request): HeaderList => (req.traceparent === undefined ? [] : ['traceresponse', req.traceparent]);
