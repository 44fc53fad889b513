/**
 * Timers around what the rebuild asks of its stores, to split its wall time into the stores' own work and the rest.
 *
 * - event store reads: every `next()` of the `readAll` iterator (fetching a page of rows, parsing each event);
 * - read store load / commit: `ReadStore.load` and `ReadStore.commit` (SQL, JSON.parse of loaded documents,
 *   JSON.stringify of changed ones, the transaction);
 * - read store setup / activation: `define`, `activeGeneration`, `drop`, `activate` (the swap builds the indexes);
 * - the rest: everything else in `rebuildProjections` (decoding, batching, planning, evolving documents, awaiting).
 *
 * The wrappers add one `performance.now()` pair per event and per store call.
 */
import type { EventStore, ReadAllOptions, RecordedEvent } from '../../src/application/ports/event-store.js';
import type { ReadStore } from '../../src/application/ports/read-store.js';

export interface StoreTimes {
  readAllMs: number;
  readAllNexts: number;
  loadMs: number;
  loads: number;
  commitMs: number;
  commits: number;
  setupMs: number;
  activateMs: number;
}

export const emptyTimes = (): StoreTimes => ({ readAllMs: 0, readAllNexts: 0, loadMs: 0, loads: 0, commitMs: 0, commits: 0, setupMs: 0, activateMs: 0 });

/** The same event store, its `readAll` iterators timed. */
export const timedEventStore = (store: EventStore, times: StoreTimes): EventStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'readAll') {
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (options?: ReadAllOptions): AsyncIterable<RecordedEvent> => {
        const inner = target.readAll(options)[Symbol.asyncIterator]();
        const iterator: AsyncIterableIterator<RecordedEvent> = {
          async next() {
            const started = performance.now();
            try {
              return await inner.next();
            } finally {
              times.readAllMs += performance.now() - started;
              times.readAllNexts++;
            }
          },
          async return(value?: unknown) {
            const started = performance.now();
            try {
              return inner.return ? await inner.return(value) : { value: undefined, done: true };
            } finally {
              times.readAllMs += performance.now() - started;
            }
          },
          [Symbol.asyncIterator]() {
            return iterator;
          },
        };
        return iterator;
      };
    },
  });

const timed = async <T>(run: () => Promise<T>, add: (ms: number) => void): Promise<T> => {
  const started = performance.now();
  try {
    return await run();
  } finally {
    add(performance.now() - started);
  }
};

/** The same read store, its calls timed. */
export const timedReadStore = (store: ReadStore, times: StoreTimes): ReadStore => ({
  define: (projection, collections) => timed(() => store.define(projection, collections), (ms) => (times.setupMs += ms)),
  get: (collection, id) => store.get(collection, id),
  find: (collection, query) => store.find(collection, query),
  activeGeneration: (projection) => timed(() => store.activeGeneration(projection), (ms) => (times.setupMs += ms)),
  checkpoint: (target) => store.checkpoint(target),
  claimFence: (projection, token) => store.claimFence(projection, token),
  identity: () => store.identity(),
  load: (target, keys) =>
    timed(
      () => store.load(target, keys),
      (ms) => {
        times.loadMs += ms;
        times.loads++;
      },
    ),
  commit: (target, changes, checkpoint) =>
    timed(
      () => store.commit(target, changes, checkpoint),
      (ms) => {
        times.commitMs += ms;
        times.commits++;
      },
    ),
  activate: (target) => timed(() => store.activate(target), (ms) => (times.activateMs += ms)),
  drop: (target) => timed(() => store.drop(target), (ms) => (times.setupMs += ms)),
  close: () => store.close(),
});
