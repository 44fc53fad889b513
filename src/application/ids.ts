import { v7 } from 'uuid';
import { randomBytesView } from './random-pool.js';

/** v7's monotonic state, as uuid keeps it: a random sequence per new millisecond, counted up within one. */
const state = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

/**
 * New ids for events and aggregates: UUIDv7, time-ordered, so the indexes they key (the event store's
 * unique event id, read-model primary keys) take inserts at their end instead of all over (bench/store.bench.ts).
 * The same ids v7() makes (same sequence rule, same layout), with the randomness drawn from a pool (uuid's own v7()
 * asks the CSPRNG for 16 bytes every time).
 */
export const newId = (): string => {
  const random = randomBytesView(16);
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
