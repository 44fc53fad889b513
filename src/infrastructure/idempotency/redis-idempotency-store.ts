import type { Redis } from 'ioredis';
import type { IdempotencyStore, KeyState, StoredResponse } from '../../application/ports/idempotency-store.js';

interface Value {
  fingerprint: string;
  response?: StoredResponse;
}

// Gives the key up only while it is still this request's unfinished claim.
const RELEASE = `
local value = redis.call('GET', KEYS[1])
if value and value == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Keys in Redis, shared by every API replica: SET NX claims, and expiry does the rest. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'ledgerflow:idempotency:',
  ) {}

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<KeyState> {
    const claimed = JSON.stringify({ fingerprint } satisfies Value);
    for (;;) {
      if ((await this.redis.set(this.prefix + key, claimed, 'PX', leaseMs, 'NX')) === 'OK') return { state: 'claimed' };
      const current = await this.redis.get(this.prefix + key);
      if (current === null) continue; // expired between the two calls
      const value = JSON.parse(current) as Value;
      return value.response
        ? { state: 'completed', fingerprint: value.fingerprint, response: value.response }
        : { state: 'in_progress', fingerprint: value.fingerprint };
    }
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, retentionMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, JSON.stringify({ fingerprint, response } satisfies Value), 'PX', retentionMs);
  }

  async release(key: string, fingerprint: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + key, JSON.stringify({ fingerprint } satisfies Value));
  }

  async close(): Promise<void> {}
}
