import { Redis } from 'ioredis';

/**
 * A Redis connection for request-path work (idempotency keys, rate limits, cache): it fails fast
 * instead of queueing commands while Redis is away. BullMQ workers need their own, with
 * `maxRetriesPerRequest: null` (see the jobs adapter).
 */
export const connectRedis = (url: string): Redis =>
  new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 2_000, lazyConnect: false });
