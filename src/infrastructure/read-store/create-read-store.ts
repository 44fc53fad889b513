import { join } from 'node:path';
import type { ReadStore } from '../../application/ports/read-store.js';
import { type Config, runsProjections } from '../config/config.js';
import { coordinatesProjections } from '../redis/projection-coordination.js';
import { DocumentCache } from './document-cache.js';
import { MemoryReadStore } from './memory-read-store.js';
import { SqliteReadStore } from './sqlite-read-store.js';
import type { CheckpointChoices } from '../sqlite/background-checkpointer.js';

/** MONGODB_URL selects MongoDB (or FerretDB); otherwise read models live beside the events: SQLite, or memory with memory:. */
export const createReadStore = async (config: Config, choices: CheckpointChoices = {}): Promise<ReadStore> => {
  if (config.MONGODB_URL) {
    const { MongoReadStore } = await import('./mongo-read-store.js');
    return MongoReadStore.connect(config.MONGODB_URL);
  }
  if (config.EVENTSTORE_URL?.startsWith('memory:')) return new MemoryReadStore();
  // Another process writes the file too: the projector beside an API role, or projectors taking turns under leases.
  const otherWriters = !runsProjections(config.SERVICE_ROLE) || coordinatesProjections(config);
  return new DocumentCache(new SqliteReadStore(join(config.DATA_DIR, 'read-models.sqlite'), config.SQLITE_SYNCHRONOUS, { otherWriters, ...choices }), { otherWriters });
};
