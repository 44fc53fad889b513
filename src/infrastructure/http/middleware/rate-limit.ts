import type { Request, RequestHandler } from 'express';
import type { RateLimiter } from '../../../application/ports/rate-limiter.js';
import { Problem } from '../problem.js';

export const tooManyRequests = (retryAfterSeconds: number, detail = 'too many requests; try again later') =>
  new Problem(429, 'Too many requests', detail, undefined, { 'Retry-After': String(retryAfterSeconds) });

/** Takes a point per request for the key `keyOf` gives (a client address, a user); 429 with Retry-After once spent. */
export const rateLimit =
  (limiter: RateLimiter, keyOf: (req: Request) => string): RequestHandler =>
  async (req, _res, next) => {
    const decision = await limiter.consume(keyOf(req));
    next(decision.allowed ? undefined : tooManyRequests(decision.retryAfterSeconds));
  };

/** The client's address as express sees it (X-Forwarded-For is trusted from loopback proxies only, see app.ts). */
export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
