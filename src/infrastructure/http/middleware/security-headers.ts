import type { HeaderList } from '../answer-head.js';

/**
 * What every answer says to a browser that might render it: not to sniff another type than the one sent, not to be
 * framed, not to load anything on the strength of an answer (a JSON API needs nothing), not to leak the URL onwards.
 * A route that serves a page (the console) sets its own Content-Security-Policy over this one.
 * No Strict-Transport-Security: TLS is ended in front of the server, and that is where HSTS belongs.
 */
export const SECURITY_HEADERS: HeaderList = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
].flat();
