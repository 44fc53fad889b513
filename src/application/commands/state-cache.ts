import type { RequestKeys } from './request-keys.js';

/**
 * Folded states of recently handled streams, so a command reads only the events appended since.
 * Streams only grow, so a cached state is never wrong, only behind; the append's expected revision
 * still guards against anything written meanwhile.
 */
export interface CachedState {
  state: unknown;
  revision: bigint;
  position: bigint;
  /** The requests recorded in the stream, complete up to `revision`. */
  keys: RequestKeys;
}

export class StateCache {
  private readonly entries = new Map<string, CachedState>();

  constructor(private readonly capacity = 10_000) {}

  get(stream: string): CachedState | undefined {
    const entry = this.entries.get(stream);
    if (entry) {
      this.entries.delete(stream);
      this.entries.set(stream, entry);
    }
    return entry;
  }

  set(stream: string, entry: CachedState): void {
    const current = this.entries.get(stream);
    if (current && current.revision > entry.revision) return;
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
