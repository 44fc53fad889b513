import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

/** A worker thread of the spec's process: appends one event to `workerData.file` with a store of its own. */
const store = new SqliteEventStore(workerData.file as string, { pollMs: 60_000, backgroundCheckpoints: false });
await store.appendToStream('thread-1', [{ id: workerData.eventId as string, type: 'Appended', data: { by: 'thread' }, metadata: { correlationId: 'thread', causationId: 'thread' } }]);
await store.close();
parentPort?.postMessage('appended');
