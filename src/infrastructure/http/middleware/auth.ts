import type { RequestHandler } from 'express';
import { forbidden, unauthorized } from '../problem.js';
import type { Principal, Role } from '../request-context.js';

/** Verifies an access token; rejects (any error) when it is not one this platform issued and still valid. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Reads `Authorization: Bearer`; a present but bad token is 401 even on public routes. */
export const authenticate =
  (verifier: AccessTokenVerifier): RequestHandler =>
  (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) return next();
    // The scheme is case-insensitive (RFC 7235); the token is not.
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match) return next(unauthorized('the Authorization header must be "Bearer <token>"'));
    verifier.verify(match[1]!).then(
      (principal) => {
        req.principal = principal;
        next();
      },
      () => next(unauthorized('the access token is not valid')),
    );
  };

export const requireSignedIn: RequestHandler = (req, _res, next) => next(req.principal ? undefined : unauthorized());

export const requireRole =
  (role: Role): RequestHandler =>
  (req, _res, next) => {
    if (!req.principal) return next(unauthorized());
    next(req.principal.roles.includes(role) ? undefined : forbidden(`this needs the ${role} role`));
  };

export const isAdmin = (principal: Principal | undefined): boolean => principal?.roles.includes('admin') ?? false;
