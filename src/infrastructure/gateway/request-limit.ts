import type { Request, RequestHandler } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import { ALG } from '../auth/signing-keys.js';
import { clientAddress, tooManyRequests } from '../http/middleware/rate-limit.js';

export interface RequestKeyOptions {
  /** The users API's `/.well-known/jwks.json`. */
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/**
 * Who a request counts against, as the API roles count it (RATE_LIMIT_PER_MIN): the user its bearer token names,
 * else its client address. The token is verified against the users API's published keys, so the gateway holds no
 * key and a made-up token only ever counts against its sender's address. The gateway refuses nothing for a bad token:
 * the role that serves the route answers 401.
 */
export const requestKey = ({ jwksUrl, issuer, audience }: RequestKeyOptions): ((req: Request) => Promise<string>) => {
  const keys = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2_000 });
  return async (req) => {
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token !== undefined)
      try {
        const { payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: [ALG], requiredClaims: ['exp'] });
        if (typeof payload.sub === 'string' && payload.sub.length > 0) return `user:${payload.sub}`;
      } catch {
        // Counted by address.
      }
    return `address:${clientAddress(req)}`;
  };
};

/** A point per request from `limiter` for the key `keyOf` gives; 429 with Retry-After once spent. */
export const requestLimit =
  (limiter: RateLimiter, keyOf: (req: Request) => Promise<string>): RequestHandler =>
  async (req, _res, next) => {
    const decision = await limiter.consume(await keyOf(req));
    next(decision.allowed ? undefined : tooManyRequests(decision.retryAfterSeconds));
  };
