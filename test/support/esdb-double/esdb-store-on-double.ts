import { randomUUID } from 'node:crypto';
import type { EventData } from '../../../src/application/ports/event-store.js';
import { EsdbEventStore } from '../../../src/infrastructure/event-store/esdb-event-store.js';
import type { SubscriptionTuning } from '../../../src/infrastructure/event-store/esdb/all-subscription.js';
import type { EsdbLog } from '../../../src/infrastructure/event-store/esdb/esdb-log.js';
import { EsdbClientDouble, type EsdbClientDoubleOptions } from './esdb-client-double.js';

/** What the adapter logged, kept for assertions instead of printed. */
export class RecordingLog implements EsdbLog {
  readonly entries: { level: 'warn' | 'error'; details: object; message: string }[] = [];
  warn(details: object, message: string): void {
    this.entries.push({ level: 'warn', details, message });
  }
  error(details: object, message: string): void {
    this.entries.push({ level: 'error', details, message });
  }
}

/** The adapter over the double, with a write timeout short enough for specs (the server's default is 2 s). */
export const esdbStoreOnDouble = (options: EsdbClientDoubleOptions = {}, subscriptions: Partial<SubscriptionTuning> = {}) => {
  const client = new EsdbClientDouble({ writeTimeoutMs: 50, ...options });
  const log = new RecordingLog();
  return { client, log, store: new EsdbEventStore(client, { log, subscriptions }) };
};

export const someEvents = (count: number, type = 'Noted'): EventData[] =>
  Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    type,
    data: { index },
    metadata: { correlationId: randomUUID(), causationId: randomUUID() },
  }));

/** Resolves once `check` holds, failing with `what` after `ms`. */
export const eventually = async (check: () => boolean, what: string, ms = 2_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Fails with `what` instead of hanging when `promise` takes longer than `ms`. */
export const within = async <T>(promise: Promise<T>, what: string, ms = 2_000): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};
