import { randomUUID } from 'node:crypto';
import type { EventData } from '../../src/application/ports/event-store.js';

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
  /** Events in the store that readAll iterates (phase 3); the batch phase's store, topped up if needed. */
  readEvents: number;
  /** Single-event appends for the synchronous=FULL row (an fsync per commit, so fewer). */
  fullEvents: number;
  /** Wall-clock cap of one measured phase; a capped phase reports the rate of what it did. */
  maxPhaseSeconds: number;
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
  return {
    events,
    streams: int('BENCH_STREAMS', 10_000),
    batchEvents: int('BENCH_BATCH_EVENTS', 1_000_000),
    batchSize: int('BENCH_BATCH_SIZE', 100),
    readEvents: int('BENCH_READ_EVENTS', 1_000_000),
    fullEvents: int('BENCH_FULL_EVENTS', Math.min(events, 20_000)),
    maxPhaseSeconds: int('BENCH_MAX_PHASE_SECONDS', 30),
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

/**
 * A realistic small event (~200 bytes of JSON data + metadata). The id is a random UUID, as the application's
 * command handlers make them, so the unique index on event ids takes random inserts.
 */
export const makeEvent = (seq: number, stream: string): EventData<'FundsDeposited', DepositData> => ({
  id: randomUUID(),
  type: 'FundsDeposited',
  data: { accountId: stream, amount: 1_000 + (seq % 90_000), currency: 'EUR', reference: `INV-${seq}` },
  metadata: {
    correlationId: `0190d6a8-0000-7000-8000-${hex12(seq >>> 3)}`,
    causationId: `0190d6a8-1111-7000-9000-${hex12(seq)}`,
    userId: `user-${seq % 5_000}`,
    schemaVersion: 1,
  },
});

export const eventBytes = (event: EventData): number => JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
