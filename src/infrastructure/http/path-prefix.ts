/**
 * Whether a request path is `prefix` or a path below it, in any case, as Express routes paths. `asked` is the request
 * path in lower case; `prefix` is in lower case, without a trailing slash.
 */
export const isAtOrUnder = (asked: string, prefix: string): boolean =>
  asked.startsWith(prefix) && (asked.length === prefix.length || asked[prefix.length] === '/');
