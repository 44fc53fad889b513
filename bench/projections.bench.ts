/**
 * npm run bench:projections — rebuild every read model from an event store of realistic events, timing the stores'
 * own reads and writes apart from everything else. Writes bench/results/projections.{md,json}.
 * Sizes: BENCH_PROJECTION_EVENTS (1,000,000), BENCH_MONGO_EVENTS (30,000; the FerretDB row).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createEventRegistry } from '../src/application/events/event-catalog.js';
import type { ReadStore } from '../src/application/ports/read-store.js';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store.js';
import { allModules } from '../src/infrastructure/modules/all-modules.js';
import { MongoReadStore } from '../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../src/infrastructure/read-store/sqlite-read-store.js';
import { rebuildProjections } from '../src/projections/rebuild-projections.js';
import { emptyTimes, timedEventStore, timedReadStore } from './projections/instrument.js';
import { seedEvents } from './projections/seed.js';

const count = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const projections = allModules.flatMap((module) => module.projections ?? []);
const registry = createEventRegistry();

interface Row {
  target: string;
  events: number;
  seconds: number;
  perSecond: number;
  storeShare: number;
  readAllMs: number;
  loadMs: number;
  commitMs: number;
  otherMs: number;
}

const rebuildInto = async (label: string, eventsFile: string, readStore: ReadStore): Promise<Row> => {
  const times = emptyTimes();
  const events = new SqliteEventStore(eventsFile);
  const started = performance.now();
  const result = await rebuildProjections(projections, timedEventStore(events, times), timedReadStore(readStore, times), {
    decode: (event) => registry.decode(event),
  });
  const ms = performance.now() - started;
  await events.close();
  const storeMs = times.readAllMs + times.loadMs + times.commitMs + times.setupMs + times.activateMs;
  return {
    target: label,
    events: result.events,
    seconds: ms / 1000,
    perSecond: Math.round(result.events / (ms / 1000)),
    storeShare: storeMs / ms,
    readAllMs: Math.round(times.readAllMs),
    loadMs: Math.round(times.loadMs),
    commitMs: Math.round(times.commitMs + times.setupMs + times.activateMs),
    otherMs: Math.round(ms - storeMs),
  };
};

const seedStore = async (file: string, total: number) => {
  const store = new SqliteEventStore(file);
  const seeded = await seedEvents(store, total);
  await store.close();
  return seeded;
};

/** FerretDB as CI runs it, when no MONGODB_URL is given; undefined when it cannot be started here. */
const startFerretDb = (pidFile: string): string | undefined => {
  try {
    const line = execFileSync('bash', ['.ci/start-ferretdb.sh'], { env: { ...process.env, FERRETDB_PIDFILE: pidFile }, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\n')
      .pop();
    return line?.replace(/^MONGODB_URL=/, '');
  } catch {
    return undefined;
  }
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-bench-projections-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const total = count('BENCH_PROJECTION_EVENTS', 1_000_000);
    const seeded = await seedStore(join(dir, 'events.sqlite'), total);
    console.log(`seeded ${seeded.events} events in ${seeded.seconds.toFixed(1)} s`);
    const sqlite = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    rows.push(await rebuildInto('embedded SQLite read models', join(dir, 'events.sqlite'), sqlite));
    await sqlite.close();
    console.log(rows[rows.length - 1]);

    const pidFile = join(dir, 'ferretdb.pid');
    const mongoUrl = process.env.MONGODB_URL ?? startFerretDb(pidFile);
    if (mongoUrl) {
      const mongoTotal = count('BENCH_MONGO_EVENTS', 30_000);
      await seedStore(join(dir, 'events-small.sqlite'), mongoTotal);
      const database = `ledgerflow_bench_${Date.now()}`;
      const mongo = await MongoReadStore.connect(mongoUrl, database);
      rows.push(await rebuildInto(process.env.MONGODB_URL ? 'MongoDB read models' : 'FerretDB 1.24 (SQLite backend) read models', join(dir, 'events-small.sqlite'), mongo));
      await mongo.close();
      const client = await MongoClient.connect(mongoUrl);
      await client.db(database).dropDatabase();
      await client.close();
      notes.push(`The MongoDB row rebuilds ${mongoTotal.toLocaleString('en')} events (BENCH_MONGO_EVENTS).`);
      if (!process.env.MONGODB_URL) execFileSync('bash', ['-c', `kill "$(cat '${pidFile}')"`]);
      console.log(rows[rows.length - 1]);
    } else notes.push('No MongoDB row: MONGODB_URL unset and FerretDB could not be started.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const embedded = rows[0]!;
  const table = [
    '# Projection rebuild bench',
    '',
    `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · node ${process.version} · load ${loadavg()[0]!.toFixed(2)}`,
    '',
    'Every projection of the platform rebuilt from position 0 by `rebuildProjections` (what `npm run rebuild-projections` runs),',
    'from a SQLite event store seeded with realistic events of every aggregate. Store time = the event store\'s `readAll`',
    '(fetching and parsing rows) + the read store\'s load, commit and setup; the rest is decoding, planning and evolving.',
    '',
    '| Read models | Events | Seconds | Events/s | readAll ms | load ms | commit ms | other ms | share in the stores |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.events.toLocaleString('en')} | ${row.seconds.toFixed(1)} | ${row.perSecond.toLocaleString('en')} | ${row.readAllMs} | ${row.loadMs} | ${row.commitMs} | ${row.otherMs} | ${(row.storeShare * 100).toFixed(0)} % |`,
    ),
    '',
    '| Target | Measured | Threshold | Result |',
    '|---|--:|--:|---|',
    `| embedded rebuild events/s | ${embedded.perSecond.toLocaleString('en')} | ≥ 50,000 | ${embedded.perSecond >= 50_000 ? 'PASS' : 'FAIL'} |`,
    `| time outside the stores' reads and writes | ${((1 - embedded.storeShare) * 100).toFixed(0)} % | < 50 % | ${embedded.storeShare > 0.5 ? 'PASS' : 'FAIL'} |`,
    '',
    ...notes,
  ].join('\n');
  console.log(table);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/projections.md', `${table}\n`);
  writeFileSync('bench/results/projections.json', JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, rows }, null, 2));
};

await main();
