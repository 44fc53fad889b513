import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes for this many ids are drawn at once: uuid's own v7() asks the CSPRNG for 16 bytes every time. */
const POOLED_IDS = 256;
const pool = new Uint8Array(16 * POOLED_IDS);
let next = pool.length;
/** v7's monotonic state, as uuid keeps it: a random sequence per new millisecond, counted up within one. */
const state = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

/**
 * New ids for events and aggregates: UUIDv7, time-ordered, so the indexes they key (the event store's
 * unique event id, read-model primary keys) take inserts at their end instead of all over (bench/store.bench.ts).
 * The same ids v7() makes (same sequence rule, same layout), with the randomness drawn for 256 ids at a time.
 */
export const newId = (): string => {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next, (next += 16));
  const now = Date.now();
  if (now > state.msecs) {
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    state.msecs = now;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return v7({ random, msecs: state.msecs, seq: state.seq });
};
