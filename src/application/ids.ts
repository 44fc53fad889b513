import { createHash } from 'node:crypto';
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

/**
 * Name-based ids in `namespace` (RFC 9562 UUIDv5: SHA-1 of the namespace and the name's UTF-8): the same ids uuid's
 * v5() makes, with the namespace parsed once instead of on every call (saga steps name every event they append).
 */
export const nameBasedIds = (namespace: string): ((name: string) => string) => {
  const space = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (space.length !== 16) throw new Error(`not a UUID: ${namespace}`);
  return (name) => {
    const hash = createHash('sha1').update(space).update(name, 'utf8').digest();
    hash[6] = (hash[6]! & 0x0f) | 0x50;
    hash[8] = (hash[8]! & 0x3f) | 0x80;
    const hex = hash.toString('hex', 0, 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
};
