/**
 * One measured rebuild, run in a child process of its own (a fresh heap and JIT, as `npm run rebuild-projections`
 * gets): every projection of `allModules`, rebuilt from the SQLite event store with `rebuildProjections`, into the
 * SQLite or the MongoDB read store; then the read models are checked against what the seeded history holds.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { EventStore } from '../../src/application/ports/event-store.js';
import type { ReadStore } from '../../src/application/ports/read-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { rebuildProjections } from '../../src/projections/rebuild-projections.js';
import { emptyTimes, type StoreTimes, timedEventStore, timedReadStore } from './instrument.js';
import { cpuTimes } from './report.js';
import type { Tally } from './seed.js';

export type RebuildTarget = { kind: 'sqlite'; file: string } | { kind: 'mongo'; url: string; db: string };

export interface RebuildJob {
  eventsFile: string;
  target: RebuildTarget;
  /** Rebuild only up to this position (a prefix of the history); the whole store when absent. */
  head?: number;
  /** Time the stores' calls (see instrument.ts). */
  timers: boolean;
  batchSize?: number;
  flushDocuments?: number;
  keepDocuments?: number;
  /** What the history up to the head holds, to check the read models against. */
  expect: Tally;
}

export interface RebuildResult {
  projections: string[];
  /** Events the rebuild applied (those of the projections' types up to the head). */
  applied: number;
  seconds: number;
  perSecond: number;
  cpuSeconds: { user: number; system: number };
  /** Main-thread pauses of the garbage collector during the rebuild. */
  gc: { ms: number; count: number };
  /** Share of all the machine's cores that other processes kept busy while the rebuild ran (it is a shared machine). */
  othersBusy: number;
  times: StoreTimes | null;
  /** The rebuild's window on the clock of V8's CPU profiles (process.hrtime, microseconds). */
  windowUs: [number, number];
  documents: Record<string, number>;
  checks: { name: string; expected: number; actual: number; pass: boolean }[];
  readModelBytes: number | null;
  /** MongoDB only: the write guard the store chose for the server (see MongoWriteGuard). */
  writeGuard?: string;
}

const hrtimeUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Counts and sums to check, per store: documents per collection, the markets' pools, resolved markets, cancelled orders. */
interface Observed {
  documents: Record<string, number>;
  totalPool: number;
  resolvedMarkets: number;
  cancelledOrders: number;
}

const observeSqlite = (file: string): Observed => {
  const db = new Database(file, { readonly: true });
  try {
    const generation = new Map(
      (db.prepare('SELECT projection, generation FROM projection_active').raw().all() as [string, number][]).map(([name, gen]) => [name, gen]),
    );
    const table = (projection: string, collection: string) => `rm_${collection}_${generation.get(projection) ?? 0}`;
    const documents: Record<string, number> = {};
    for (const projection of allModules.flatMap((module) => module.projections ?? []))
      for (const { name } of projection.collections)
        documents[name] = db.prepare(`SELECT count(*) FROM ${table(projection.name, name)}`).pluck().get() as number;
    const markets = table('markets', 'markets');
    return {
      documents,
      totalPool: db.prepare(`SELECT coalesce(sum(json_extract(doc, '$.totalPool')), 0) FROM ${markets}`).pluck().get() as number,
      resolvedMarkets: db.prepare(`SELECT count(*) FROM ${markets} WHERE json_extract(doc, '$.status') = 'resolved'`).pluck().get() as number,
      cancelledOrders: db.prepare(`SELECT count(*) FROM ${table('orders', 'orders')} WHERE json_extract(doc, '$.status') = 'cancelled'`).pluck().get() as number,
    };
  } finally {
    db.close();
  }
};

const observeMongo = async (url: string, dbName: string): Promise<Observed> => {
  const client = await MongoClient.connect(url);
  try {
    const db = client.db(dbName);
    const active = await db.collection<{ _id: string; generation: number }>('projection_active').find({}).toArray();
    const generation = new Map(active.map((entry) => [entry._id, entry.generation]));
    const collection = (projection: string, name: string) => db.collection(`${name}__g${generation.get(projection) ?? 0}`);
    const documents: Record<string, number> = {};
    for (const projection of allModules.flatMap((module) => module.projections ?? []))
      for (const { name } of projection.collections) documents[name] = await collection(projection.name, name).countDocuments({});
    const markets = await collection('markets', 'markets').find({}, { projection: { totalPool: 1, status: 1 } }).toArray();
    return {
      documents,
      totalPool: markets.reduce((sum, market) => sum + Number(market.totalPool ?? 0), 0),
      resolvedMarkets: markets.filter((market) => market.status === 'resolved').length,
      cancelledOrders: await collection('orders', 'orders').countDocuments({ status: 'cancelled' }),
    };
  } finally {
    await client.close();
  }
};

const checksOf = (observed: Observed, expect: Tally): RebuildResult['checks'] => {
  const count = (type: string) => expect.byType[type] ?? 0;
  const expected: [string, number, number][] = [
    ['users = UserRegistered', count('UserRegistered'), observed.documents.users ?? -1],
    ['products = ProductCreated', count('ProductCreated'), observed.documents.products ?? -1],
    ['orders = OrderPlaced', count('OrderPlaced'), observed.documents.orders ?? -1],
    ['markets = MarketCreated', count('MarketCreated'), observed.documents.markets ?? -1],
    ['market_positions = PositionPlaced', count('PositionPlaced'), observed.documents.market_positions ?? -1],
    ['Σ markets.totalPool = Σ stakes', expect.stakes, observed.totalPool],
    ['resolved markets = MarketResolved', count('MarketResolved'), observed.resolvedMarkets],
    ['cancelled orders = OrderCancelled', count('OrderCancelled'), observed.cancelledOrders],
  ];
  return expected.map(([name, want, actual]) => ({ name, expected: want, actual, pass: want === actual }));
};

/** Ends the rebuild at `head`, as if the store held nothing after it. */
const boundedAt = (store: EventStore, head: bigint): EventStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'headPosition') return async () => head;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

export const runRebuild = async (job: RebuildJob): Promise<RebuildResult> => {
  const projections = allModules.flatMap((module) => module.projections ?? []);
  const registry = createEventRegistry();
  const sqliteEvents = new SqliteEventStore(job.eventsFile);
  const store: ReadStore =
    job.target.kind === 'sqlite' ? new SqliteReadStore(job.target.file) : await MongoReadStore.connect(job.target.url, job.target.db);
  const writeGuard = store instanceof MongoReadStore ? await store.writeGuard() : undefined;
  const times = job.timers ? emptyTimes() : null;
  const bounded = job.head === undefined ? sqliteEvents : boundedAt(sqliteEvents, BigInt(job.head));
  const events = times ? timedEventStore(bounded, times) : bounded;
  const readStore = times ? timedReadStore(store, times) : store;
  const gc = { ms: 0, count: 0 };
  const count = (entries: readonly { duration: number }[]) => {
    for (const entry of entries) {
      gc.ms += entry.duration;
      gc.count++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    const machineBefore = cpuTimes();
    const cpu = process.cpuUsage();
    const fromUs = hrtimeUs();
    const started = performance.now();
    const result = await rebuildProjections(projections, events, readStore, {
      decode: (event) => registry.decode(event),
      ...(job.batchSize === undefined ? {} : { batchSize: job.batchSize }),
      ...(job.flushDocuments === undefined ? {} : { flushDocuments: job.flushDocuments }),
      ...(job.keepDocuments === undefined ? {} : { keepDocuments: job.keepDocuments }),
    });
    const seconds = (performance.now() - started) / 1000;
    const toUs = hrtimeUs();
    const used = process.cpuUsage(cpu);
    const machineAfter = cpuTimes();
    const ownMs = (used.user + used.system) / 1000;
    const othersBusy = Math.max(0, machineAfter.busyMs - machineBefore.busyMs - ownMs) / Math.max(1, machineAfter.totalMs - machineBefore.totalMs);
    // GC entries are delivered asynchronously: let them arrive, then take what is still queued.
    await new Promise((resolve) => setImmediate(resolve));
    count(observer.takeRecords());
    observer.disconnect();
    await store.close();
    await sqliteEvents.close();
    const observed = job.target.kind === 'sqlite' ? observeSqlite(job.target.file) : await observeMongo(job.target.url, job.target.db);
    return {
      projections: projections.map((projection) => projection.name),
      applied: result.events,
      seconds,
      perSecond: result.events / seconds,
      cpuSeconds: { user: used.user / 1e6, system: used.system / 1e6 },
      gc,
      othersBusy,
      times,
      windowUs: [fromUs, toUs],
      documents: observed.documents,
      checks: checksOf(observed, job.expect),
      readModelBytes: job.target.kind === 'sqlite' ? statSync(job.target.file).size : null,
      ...(writeGuard === undefined ? {} : { writeGuard }),
    };
  } finally {
    observer.disconnect();
    await store.close().catch(() => undefined);
    await sqliteEvents.close().catch(() => undefined);
    if (job.target.kind === 'mongo') {
      const client = await MongoClient.connect(job.target.url);
      try {
        await client.db(job.target.db).dropDatabase();
      } finally {
        await client.close();
      }
    }
  }
};
