import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { IdempotencyStore } from '../../application/ports/idempotency-store.js';
import type { Config } from '../config/config.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store.js';

/** Redis when REDIS_URL is set (shared by replicas); otherwise a SQLite file beside the events, or memory with memory:. */
export const createIdempotencyStore = (config: Config, redis: () => Redis): IdempotencyStore => {
  if (config.REDIS_URL) return new RedisIdempotencyStore(redis());
  if (config.EVENTSTORE_URL?.startsWith('memory:')) return new MemoryIdempotencyStore();
  return new SqliteIdempotencyStore(join(config.DATA_DIR, 'edge.sqlite'), config.SQLITE_SYNCHRONOUS);
};
