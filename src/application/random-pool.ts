import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let next = POOL_BYTES;

/**
 * `bytes` random bytes from the CSPRNG, drawn 4 KiB at a time: one call to it costs far more than the few bytes an
 * id needs. The view is overwritten later: use it before the next call, or copy it.
 */
export const randomBytesView = (bytes: number): Buffer => {
  if (next + bytes > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  return pool.subarray(next, (next += bytes));
};
