import { join } from 'node:path';
import type { EventStore } from '../../application/ports/event-store.js';
import type { Config } from '../config/config.js';
import type { CheckpointChoices } from '../sqlite/background-checkpointer.js';
import { MemoryEventStore } from './memory-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/** EVENTSTORE_URL chooses the adapter: esdb://… EventStoreDB, sqlite:<file> or unset the embedded file, memory: nothing kept. */
export const createEventStore = async (config: Config, choices: CheckpointChoices = {}): Promise<EventStore> => {
  const url = config.EVENTSTORE_URL;
  if (url?.startsWith('esdb')) {
    const { EsdbEventStore } = await import('./esdb-event-store.js');
    return new EsdbEventStore(url);
  }
  if (url?.startsWith('memory:')) return new MemoryEventStore();
  const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : join(config.DATA_DIR, 'events.sqlite');
  return new SqliteEventStore(file, { synchronous: config.SQLITE_SYNCHRONOUS, ...choices });
};
