import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { HeaderList } from '../answer-head.js';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's X-Correlation-Id (when it is a sane token) or makes one. */
export const correlationId: RequestHandler = (req, _res, next) => {
  const given = req.headers['x-correlation-id'];
  req.correlationId = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  next();
};

/** Every answer echoes it (see `everyAnswerCarries`). */
export const correlationIdHeader = (req: Request): HeaderList => (req.correlationId === undefined ? [] : ['X-Correlation-Id', req.correlationId]);
