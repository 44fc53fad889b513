import { join } from 'node:path';
import type { EventStore } from '../../application/ports/event-store.js';
import type { Config } from '../config/config.js';
import { MemoryEventStore } from './memory-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

export interface EventStoreChoices {
  /** Another store of this process on the same SQLite file checkpoints it (see SqliteEventStoreOptions). */
  checkpointedByAnother?: boolean;
}

/** EVENTSTORE_URL chooses the adapter: esdb://… EventStoreDB, sqlite:<file> or unset the embedded file, memory: nothing kept. */
export const createEventStore = async (config: Config, choices: EventStoreChoices = {}): Promise<EventStore> => {
  const url = config.EVENTSTORE_URL;
  if (url?.startsWith('esdb')) {
    const { EsdbEventStore } = await import('./esdb-event-store.js');
    return new EsdbEventStore(url);
  }
  if (url?.startsWith('memory:')) return new MemoryEventStore();
  const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : join(config.DATA_DIR, 'events.sqlite');
  return new SqliteEventStore(file, { synchronous: config.SQLITE_SYNCHRONOUS, ...choices });
};
