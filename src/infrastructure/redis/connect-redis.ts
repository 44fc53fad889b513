import { Redis } from 'ioredis';

/** Where a connection tells that it was lost and is back. */
export interface ConnectionLog {
  warn(details: { err: Error }, message: string): void;
  info(message: string): void;
}

/**
 * A Redis connection for request-path work (idempotency keys, rate limits, cache): it fails fast
 * instead of queueing commands while Redis is away. BullMQ workers need their own, with
 * `maxRetriesPerRequest: null` (see the jobs adapter).
 *
 * While Redis is away ioredis reports every failed reconnection as an `error` event (printed to stderr when nothing
 * listens): the log says once that the connection was lost, and once that it is back.
 */
export const connectRedis = (url: string, logger: ConnectionLog): Redis => {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 2_000, lazyConnect: false });
  let lost = false;
  redis.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.warn({ err: error }, 'lost the connection to Redis: what needs it fails (a request: 503) until it is back');
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info('the connection to Redis is back');
  });
  return redis;
};
