import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MemoryIdempotencyStore } from '../../src/infrastructure/idempotency/memory-idempotency-store.js';
import { RedisIdempotencyStore } from '../../src/infrastructure/idempotency/redis-idempotency-store.js';
import { SqliteIdempotencyStore } from '../../src/infrastructure/idempotency/sqlite-idempotency-store.js';
import { idempotencyStoreConformance } from './idempotency-store.cases.js';

idempotencyStoreConformance('MemoryIdempotencyStore', async () => new MemoryIdempotencyStore());

idempotencyStoreConformance('SqliteIdempotencyStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-idem-'));
  const store = new SqliteIdempotencyStore(join(dir, 'edge.sqlite'));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
});

const redisUrl = process.env.REDIS_URL;
idempotencyStoreConformance(
  'RedisIdempotencyStore',
  async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 2 });
    const store = new RedisIdempotencyStore(redis, `ledgerflow-test:${process.pid}:`);
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await redis.quit();
    };
    return store;
  },
  redisUrl ? {} : { notHere: { needs: 'REDIS_URL', reason: 'no Redis: set REDIS_URL to run against redis-server' } },
);
