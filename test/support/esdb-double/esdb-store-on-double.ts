import { randomUUID } from 'node:crypto';
import type { EventData } from '../../../src/application/ports/event-store.js';
import { EsdbEventStore } from '../../../src/infrastructure/event-store/esdb-event-store.js';
import { EsdbClientDouble, type EsdbClientDoubleOptions } from './esdb-client-double.js';

/** The adapter over the double, with a write timeout short enough for specs (the server's default is 2 s). */
export const esdbStoreOnDouble = (options: EsdbClientDoubleOptions = {}) => {
  const client = new EsdbClientDouble({ writeTimeoutMs: 50, ...options });
  return { client, store: new EsdbEventStore(client) };
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
