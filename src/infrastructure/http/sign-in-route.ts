/**
 * Whether a request path is sign-in's, spelled as Express routes it (any case, a trailing slash or not): sign-in is
 * left out of the request limits and of Idempotency-Key, and a path only compared as text would let a variant in.
 */
export const isSignInPath = (path: string): boolean => path.toLowerCase().replace(/\/$/, '') === '/api/v1/auth/token';
