import type { RequestHandler } from 'express';

/**
 * What every answer says to a browser that might render it: not to sniff another type than the one sent, not to be
 * framed, not to load anything on the strength of an answer (a JSON API needs nothing), not to leak the URL onwards.
 * A route that serves a page (the console) sets its own Content-Security-Policy over this one.
 * No Strict-Transport-Security: TLS is ended in front of the server, and that is where HSTS belongs.
 */
const HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
];

export const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of HEADERS) res.setHeader(name, value);
  next();
};
