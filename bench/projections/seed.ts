import type Database from 'better-sqlite3';
import type { AppendResult, EventStore } from '../../src/application/ports/event-store.js';
import { type Step, Workload } from './workload.js';

export interface SeedResult {
  events: number;
  appends: number;
  streams: number;
  seconds: number;
  byType: Record<string, number>;
  /** Bytes of JSON (data + metadata) per event, on average. */
  avgJsonBytes: number;
}

export interface SeedOptions {
  seed?: number;
  /** Events per seeding transaction (each command is still an append of its own). */
  windowEvents?: number;
  onProgress?: (done: number) => void;
  /** Page cache of the seeding connection, in MiB. */
  cacheMiB?: number;
}

/**
 * The SqliteEventStore's own connection, when there is one. Seeding wraps each window's appends in one transaction
 * on it: every append still goes through appendToStream (its expected-revision check, its INSERTs, its JSON), which
 * then runs as a savepoint instead of a transaction of its own, so the window costs one WAL commit instead of one per
 * append (per-append commits would make seeding a million events take minutes on a small VM's disk).
 */
const connectionOf = (store: EventStore): Database.Database | undefined => {
  const db = (store as unknown as { db?: Database.Database }).db;
  return db && typeof db.transaction === 'function' ? db : undefined;
};

/** Appends `total` events of the workload through the store's own appendToStream, with exact expected revisions. */
export const seedEvents = async (store: EventStore, total: number, options: SeedOptions = {}): Promise<SeedResult> => {
  const db = connectionOf(store);
  // Random UUIDs make every append touch a random page of the event-id index (and of the stream index): with SQLite's
  // default 2 MB page cache a million of them would spend most of the seeding re-reading and re-writing pages.
  // Seeding only: the rebuild reads through a fresh connection with the store's own settings.
  db?.pragma(`cache_size = -${(options.cacheMiB ?? 512) * 1024}`);
  const workload = new Workload({ seed: options.seed ?? 20_260_105 });
  const windowEvents = options.windowEvents ?? 100_000;
  const revisions = new Map<string, bigint>();
  const byType: Record<string, number> = {};
  let events = 0;
  let appends = 0;
  let jsonBytes = 0;
  let visited = 0;
  let samples = 0;
  const started = performance.now();
  while (events < total) {
    const window: Step[] = [];
    let inWindow = 0;
    while (inWindow < windowEvents && events + inWindow < total) {
      const step = workload.next();
      const room = total - events - inWindow;
      if (step.events.length > room) step.events = step.events.slice(0, room);
      window.push(step);
      inWindow += step.events.length;
    }
    // One command, one append, in the order the workload made them (the stream's revision is known ahead: exact).
    const appendWindow = (): Promise<AppendResult>[] =>
      window.map((step) => {
        const expected = revisions.get(step.stream);
        revisions.set(step.stream, (expected ?? -1n) + BigInt(step.events.length));
        return store.appendToStream(step.stream, step.events, { expectedRevision: expected ?? 'no_stream' });
      });
    // appendToStream does its work synchronously (better-sqlite3), so inside the transaction every append has run.
    const pending = db ? db.transaction(appendWindow).immediate() : appendWindow();
    await Promise.all(pending);
    appends += window.length;
    for (const step of window) {
      for (const event of step.events) {
        byType[event.type] = (byType[event.type] ?? 0) + 1;
        if (visited++ % 97 === 0) {
          jsonBytes += JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
          samples++;
        }
      }
    }
    events += inWindow;
    options.onProgress?.(events);
  }
  return {
    events,
    appends,
    streams: revisions.size,
    seconds: (performance.now() - started) / 1000,
    byType,
    avgJsonBytes: Math.round(jsonBytes / Math.max(1, samples)),
  };
};
