import { randomUUID } from 'node:crypto';
import { newId } from '../../src/application/ids.js';
import type { EventData } from '../../src/application/ports/event-store.js';

/** How event ids are made: `ordered` as the platform makes them (UUIDv7, src/application/ids.ts), or random v4 UUIDs. */
export type IdScheme = 'random' | 'ordered';

/** Sizes of the store bench; each can be overridden from the environment for quick runs. */
export interface StoreBenchConfig {
  /** Single-event appends (phase 1). */
  events: number;
  /** Streams the appends are spread over, round-robin (phases 1 and 2). */
  streams: number;
  /** Events written with batched appends (phase 2). */
  batchEvents: number;
  /** Events per batched append. */
  batchSize: number;
  /** Events in the store that readAll iterates (phase 3). */
  readEvents: number;
  /** Single-event appends for the synchronous=FULL row (an fsync per commit, so fewer). */
  fullEvents: number;
  /** Wall-clock cap of one measured append phase; a capped phase reports the rate of what it did. */
  maxPhaseSeconds: number;
  /** Rounds of the SqliteEventStore (NORMAL) and raw runs, interleaved; the best round of each phase counts. */
  rounds: number;
  ids: IdScheme;
}

const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return Math.floor(value);
};

export const readConfig = (): StoreBenchConfig => {
  const events = int('BENCH_EVENTS', 100_000);
  const ids = process.env.BENCH_IDS ?? 'ordered';
  if (ids !== 'random' && ids !== 'ordered') throw new Error(`BENCH_IDS must be random or ordered, got ${ids}`);
  return {
    events,
    streams: int('BENCH_STREAMS', 10_000),
    batchEvents: int('BENCH_BATCH_EVENTS', 1_000_000),
    batchSize: int('BENCH_BATCH_SIZE', 100),
    readEvents: int('BENCH_READ_EVENTS', 1_000_000),
    fullEvents: int('BENCH_FULL_EVENTS', Math.min(events, 20_000)),
    maxPhaseSeconds: int('BENCH_MAX_PHASE_SECONDS', 10),
    rounds: int('BENCH_ROUNDS', 2),
    ids,
  };
};

export const streamName = (index: number): string => `account-${index.toString().padStart(6, '0')}`;

const hex12 = (n: number): string => n.toString(16).padStart(12, '0');

export interface DepositData {
  accountId: string;
  amount: number;
  currency: string;
  reference: string;
}

export const amountOf = (seq: number): number => 1_000 + (seq % 90_000);

/** Sum of `amount` over events 0..count-1, to check that a readAll saw every event. */
export const amountSum = (count: number): number => {
  let sum = 0;
  for (let seq = 0; seq < count; seq++) sum += amountOf(seq);
  return sum;
};

/**
 * A realistic small event (~235 bytes of JSON data + metadata). By default the id is a UUIDv7 made by the same
 * function the command handler uses, so the unique index on event ids takes inserts at its end; `random` v4 ids
 * land all over that index, for comparison.
 */
export const makeEvent = (seq: number, stream: string, ids: IdScheme = 'ordered'): EventData<'FundsDeposited', DepositData> => ({
  id: ids === 'random' ? randomUUID() : newId(),
  type: 'FundsDeposited',
  data: { accountId: stream, amount: amountOf(seq), currency: 'EUR', reference: `INV-${seq}` },
  metadata: {
    correlationId: `0190d6a8-0000-7000-8000-${hex12(seq >>> 3)}`,
    causationId: `0190d6a8-1111-7000-9000-${hex12(seq)}`,
    userId: `user-${seq % 5_000}`,
    schemaVersion: 1,
  },
});

export const eventBytes = (event: EventData): number => JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
