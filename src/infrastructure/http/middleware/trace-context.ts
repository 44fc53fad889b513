import type { RequestHandler } from 'express';
import { childSpan, formatTraceparent, parseTraceparent } from '../../../application/tracing/trace-context.js';

/**
 * Each request is a span: under the caller's `traceparent` when it sends a valid one, else the root of a new trace.
 * Its context goes into the events the request appends and the calls it makes; `traceresponse` (W3C Trace Context
 * Level 2) tells the caller which trace and span it was.
 */
export const traceContext: RequestHandler = (req, res, next) => {
  const given = req.headers.traceparent;
  req.traceparent = formatTraceparent(childSpan(parseTraceparent(typeof given === 'string' ? given : undefined)));
  res.setHeader('traceresponse', req.traceparent);
  next();
};
