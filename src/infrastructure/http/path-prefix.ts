/**
 * Whether a request path is `prefix` or a path below it, in any case, as Express routes paths. `asked` is the request
 * path in lower case; `prefix` is in lower case, without a trailing slash.
 */
export const isAtOrUnder = (asked: string, prefix: string): boolean =>
  asked.startsWith(prefix) && (asked.length === prefix.length || asked[prefix.length] === '/');

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a request path, in any case, is one of `prefixes` or below one: one expression for them all. */
export const atOrUnderAny = (prefixes: readonly string[]): ((path: string) => boolean) => {
  if (prefixes.length === 0) return () => false;
  const pattern = new RegExp(`^(?:${prefixes.map((prefix) => escaped(prefix.replace(/\/$/, ''))).join('|')})(?:/|$)`, 'i');
  return (path) => pattern.test(path);
};
