/** Connection failures as Node reports them: the other end is not there, or went away. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/** How ioredis says Redis is away (down, restarting, the connection lost), and how the MongoDB driver does. */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError']);
const IOREDIS_OFFLINE = /^(Connection is closed\.|Stream isn't writeable and enableOfflineQueue options is false)/;

/**
 * Whether `error` says a server the platform depends on (Redis, MongoDB) could not be reached: the contract's 503
 * (try again later), not a 500. A dependency that answers with an error is not this.
 */
export const isDependencyUnavailable = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_NAMES.has(error.name) || IOREDIS_OFFLINE.test(error.message)) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
};
