import type { IdempotencyStore, KeyState, StoredResponse } from '../../application/ports/idempotency-store.js';

interface Entry {
  fingerprint: string;
  response?: StoredResponse;
  expiresAt: number;
}

/** In-process keys, for the memory profile and specs. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<KeyState> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) {
      return entry.response
        ? { state: 'completed', fingerprint: entry.fingerprint, response: entry.response }
        : { state: 'in_progress', fingerprint: entry.fingerprint };
    }
    this.entries.set(key, { fingerprint, expiresAt: this.now() + leaseMs });
    return { state: 'claimed' };
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, retentionMs: number): Promise<void> {
    this.entries.set(key, { fingerprint, response, expiresAt: this.now() + retentionMs });
  }

  async release(key: string, fingerprint: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry && !entry.response && entry.fingerprint === fingerprint) this.entries.delete(key);
  }

  async close(): Promise<void> {}
}
