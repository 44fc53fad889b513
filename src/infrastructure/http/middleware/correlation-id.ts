import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echoes the caller's X-Correlation-Id (when it is a sane token) or makes one; every response carries it. */
export const correlationId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-correlation-id'];
  req.correlationId = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  res.setHeader('X-Correlation-Id', req.correlationId);
  next();
};
