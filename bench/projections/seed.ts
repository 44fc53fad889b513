import type Database from 'better-sqlite3';
import type { AppendResult, EventStore } from '../../src/application/ports/event-store.js';
import { type Step, Workload } from './workload.js';

/** What the first `events` events of the history hold: what their read models must come to. */
export interface Tally {
  events: number;
  /** Position of the last of them: a rebuild bounded at this head sees exactly these events. */
  position: number;
  byType: Record<string, number>;
  /** Sum of PositionPlaced stakes: the markets' total pools. */
  stakes: number;
}

export interface SeedResult extends Tally {
  appends: number;
  streams: number;
  seconds: number;
  /** Bytes of JSON (data + metadata) per event, on average (a 1-in-97 sample). */
  avgJsonBytes: number;
  /** Tallies at the `marks` asked for. */
  marks: Tally[];
}

export interface SeedOptions {
  seed?: number;
  /** Events per seeding transaction (each command is still an append of its own). */
  windowEvents?: number;
  /** Also tally the first this-many events (e.g. for a rebuild of a prefix of the history). */
  marks?: readonly number[];
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

const snapshot = (tally: Tally): Tally => ({ ...tally, byType: { ...tally.byType } });

/** Appends `total` events of the workload through the store's own appendToStream, with exact expected revisions. */
export const seedEvents = async (store: EventStore, total: number, options: SeedOptions = {}): Promise<SeedResult> => {
  const db = connectionOf(store);
  // Seeding only: the rebuild reads through a fresh connection with the store's own settings.
  db?.pragma(`cache_size = -${(options.cacheMiB ?? 256) * 1024}`);
  const workload = new Workload({ seed: options.seed ?? 20_260_105 });
  const windowEvents = options.windowEvents ?? 100_000;
  const marks = [...new Set(options.marks ?? [])].filter((mark) => mark > 0 && mark <= total).sort((a, b) => a - b);
  const revisions = new Map<string, bigint>();
  const tally: Tally = { events: 0, position: 0, byType: {}, stakes: 0 };
  const tallies: Tally[] = [];
  let appends = 0;
  let jsonBytes = 0;
  let samples = 0;
  let produced = 0;
  const started = performance.now();
  while (produced < total) {
    const window: Step[] = [];
    let inWindow = 0;
    while (inWindow < windowEvents && produced + inWindow < total) {
      const step = workload.next();
      const room = total - produced - inWindow;
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
    const results = await Promise.all(db ? db.transaction(appendWindow).immediate() : appendWindow());
    appends += window.length;
    window.forEach((step, index) => {
      const last = Number(results[index]!.position);
      step.events.forEach((event, offset) => {
        tally.events++;
        tally.position = last - (step.events.length - 1 - offset);
        tally.byType[event.type] = (tally.byType[event.type] ?? 0) + 1;
        if (event.type === 'PositionPlaced') tally.stakes += (event.data as { stake: number }).stake;
        if (tally.events % 97 === 1) {
          jsonBytes += JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
          samples++;
        }
        if (tally.events === marks[tallies.length]) tallies.push(snapshot(tally));
      });
    });
    produced += inWindow;
    options.onProgress?.(produced);
  }
  return {
    ...snapshot(tally),
    appends,
    streams: revisions.size,
    seconds: (performance.now() - started) / 1000,
    avgJsonBytes: Math.round(jsonBytes / Math.max(1, samples)),
    marks: tallies,
  };
};
