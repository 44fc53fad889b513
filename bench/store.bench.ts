/**
 * Event store throughput: MemoryEventStore, SqliteEventStore (WAL, synchronous NORMAL and FULL) and a raw
 * better-sqlite3 baseline with the same schema and statements (the ceiling).
 *
 *   1. single-event appends/s, exact expected revision, round-robin over BENCH_STREAMS streams, awaited one by one
 *   2. events/s appended in batches of BENCH_BATCH_SIZE events, exact expected revision
 *   3. parsed events/s iterating readAll() over the batch phase's store (topped up to BENCH_READ_EVENTS)
 *
 * Each adapter runs in a child process of its own (a fresh heap and JIT), one after another.
 * Writes bench/results/store.md and bench/results/store.json.
 *
 * Env: BENCH_EVENTS (100000), BENCH_STREAMS (10000), BENCH_BATCH_EVENTS (1000000), BENCH_BATCH_SIZE (100),
 * BENCH_READ_EVENTS (1000000), BENCH_FULL_EVENTS (min(BENCH_EVENTS, 20000)), BENCH_MAX_PHASE_SECONDS (30),
 * BENCH_ONLY (comma-separated adapters: memory,sqlite,sqlite-full,raw), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { execSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { EventData, EventStore } from '../src/application/ports/event-store.js';
import { MemoryEventStore } from '../src/infrastructure/event-store/memory-event-store.js';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store.js';
import { RawSqlite } from './lib/raw-sqlite.js';
import { type DepositData, eventBytes, makeEvent, readConfig, type StoreBenchConfig, streamName } from './lib/workload.js';

const ADAPTERS = {
  memory: 'MemoryEventStore',
  sqlite: 'SqliteEventStore (WAL, synchronous=NORMAL)',
  'sqlite-full': 'SqliteEventStore (WAL, synchronous=FULL)',
  raw: 'raw better-sqlite3 (WAL, synchronous=NORMAL)',
} as const;
type AdapterKey = keyof typeof ADAPTERS;

interface PhaseResult {
  /** Appends (phase 1) or events (phases 2 and 3) done. */
  count: number;
  seconds: number;
  perSecond: number;
  /** True when the phase stopped at BENCH_MAX_PHASE_SECONDS before doing all its work. */
  capped: boolean;
}

interface AdapterResult {
  adapter: AdapterKey;
  label: string;
  single: PhaseResult;
  batch: PhaseResult;
  readAll: PhaseResult | null;
  dbBytes?: number;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------------------
// Worker: measures one adapter

/** Appends one event, or a batch, with the exact expected revision (-1: no stream); returns the stream's new revision. */
type Append = (stream: string, events: readonly EventData[], expected: number) => number | Promise<number>;

interface Workload {
  seq: number;
  /** Sum of the written events' `amount`, to check that readAll saw them all. */
  amountSum: number;
}

const appendPhase = async (
  what: string,
  append: Append,
  total: number,
  batchSize: number,
  streams: number,
  workload: Workload,
  maxSeconds: number,
): Promise<PhaseResult> => {
  const revisions = new Int32Array(streams).fill(-1);
  const names = Array.from({ length: streams }, (_, i) => streamName(i));
  const appends = Math.ceil(total / batchSize);
  const capMs = maxSeconds * 1000;
  let elapsed = 0;
  let events = 0;
  let done = 0;
  let nextReport = performance.now() + 5_000;
  for (; done < appends && elapsed < capMs; done++) {
    const s = done % streams;
    const stream = names[s]!;
    const size = Math.min(batchSize, total - events);
    const batch: EventData[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const seq = workload.seq++;
      batch[i] = makeEvent(seq, stream);
      workload.amountSum += 1_000 + (seq % 90_000);
    }
    const t0 = performance.now();
    let revision = append(stream, batch, revisions[s]!);
    if (typeof revision !== 'number') revision = await revision;
    const t1 = performance.now();
    elapsed += t1 - t0;
    if (revision !== revisions[s]! + size) throw new Error(`${stream}: revision ${revision} after ${revisions[s]} + ${size}`);
    revisions[s] = revision;
    events += size;
    if (t1 > nextReport) {
      log(`    ${what}: ${fmt(events)} events so far`);
      nextReport = t1 + 5_000;
    }
  }
  const count = batchSize === 1 ? done : events;
  const seconds = elapsed / 1000;
  return { count, seconds, perSecond: count / seconds, capped: done < appends };
};

/** Adds untimed batches until the store holds `target` events (when a capped or smaller batch phase left fewer). */
const topUp = async (append: Append, have: number, target: number, config: StoreBenchConfig, workload: Workload): Promise<number> => {
  if (have >= target) return have;
  // Fresh streams, so that revisions start at -1 again.
  const offset = config.streams;
  let s = 0;
  while (have < target) {
    const size = Math.min(config.batchSize, target - have);
    const stream = streamName(offset + s++);
    const batch = Array.from({ length: size }, () => {
      const seq = workload.seq++;
      workload.amountSum += 1_000 + (seq % 90_000);
      return makeEvent(seq, stream);
    });
    await append(stream, batch, -1);
    have += size;
  }
  return have;
};

const storeAppend =
  (store: EventStore): Append =>
  async (stream, events, expected) => {
    const result = await store.appendToStream(stream, events, {
      expectedRevision: expected < 0 ? 'no_stream' : BigInt(expected),
    });
    return Number(result.nextExpectedRevision);
  };

const rawAppend =
  (raw: RawSqlite): Append =>
  (stream, events, expected) =>
    raw.append(stream, events, expected < 0 ? null : expected);

const timeRead = async (read: () => Promise<{ count: number; sum: number }>, expected: Workload, events: number): Promise<PhaseResult> => {
  const t0 = performance.now();
  const { count, sum } = await read();
  const seconds = (performance.now() - t0) / 1000;
  if (count !== events || sum !== expected.amountSum) {
    throw new Error(`readAll saw ${count} events (amount sum ${sum}), expected ${events} (sum ${expected.amountSum})`);
  }
  return { count, seconds, perSecond: count / seconds, capped: false };
};

const readStore = (store: EventStore) => async (): Promise<{ count: number; sum: number }> => {
  let count = 0;
  let sum = 0;
  for await (const event of store.readAll()) {
    count++;
    sum += (event.data as DepositData).amount;
  }
  return { count, sum };
};

const readRaw = (raw: RawSqlite) => async (): Promise<{ count: number; sum: number }> => {
  let sum = 0;
  const count = raw.scanAll((data) => {
    sum += (data as DepositData).amount;
  });
  return { count, sum };
};

const fileBytes = (file: string): number => {
  try {
    const db = new Database(file, { readonly: true });
    const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    db.close();
    return bytes;
  } catch {
    return 0;
  }
};

/** Checks that the baseline's table is the adapter's, so that the ceiling is a fair one. */
const schemaOf = (file: string): string => {
  const db = new Database(file, { readonly: true });
  const sql = db.prepare("SELECT group_concat(sql, ';') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").pluck().get() as string;
  db.close();
  return sql.replace(/\s+/g, ' ').trim();
};

const runWorker = async (adapter: AdapterKey): Promise<AdapterResult> => {
  const config = readConfig();
  const dir = mkdtempSync(join(os.tmpdir(), `ledgerflow-bench-${adapter}-`));
  const workload: Workload = { seq: 0, amountSum: 0 };
  const singleEvents = adapter === 'sqlite-full' ? config.fullEvents : config.events;
  const cap = config.maxPhaseSeconds;
  const label = ADAPTERS[adapter];
  try {
    type Opened = { append: Append; read: () => Promise<{ count: number; sum: number }>; close: () => Promise<void>; file?: string };
    let n = 0;
    const open = (): Opened => {
      const file = join(dir, `events-${n++}.db`);
      switch (adapter) {
        case 'memory': {
          const store = new MemoryEventStore();
          return { append: storeAppend(store), read: readStore(store), close: () => store.close() };
        }
        case 'sqlite':
        case 'sqlite-full': {
          const store = new SqliteEventStore(file, { synchronous: adapter === 'sqlite' ? 'NORMAL' : 'FULL' });
          return { append: storeAppend(store), read: readStore(store), close: () => store.close(), file };
        }
        case 'raw': {
          const raw = new RawSqlite(file, 'NORMAL');
          return { append: rawAppend(raw), read: readRaw(raw), close: async () => raw.close(), file };
        }
      }
    };

    log(`  ${label}`);
    const first = open();
    const single = await appendPhase('single appends', first.append, singleEvents, 1, config.streams, workload, cap);
    log(`    single appends: ${fmt(single.perSecond)}/s (${fmt(single.count)} in ${single.seconds.toFixed(2)} s)${single.capped ? ' [capped]' : ''}`);
    await first.close();
    let schema: string | undefined;
    if (first.file) schema = schemaOf(first.file);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });

    const second = open();
    workload.amountSum = 0;
    const batch = await appendPhase(`batches of ${config.batchSize}`, second.append, config.batchEvents, config.batchSize, config.streams, workload, cap);
    log(`    batches of ${config.batchSize}: ${fmt(batch.perSecond)} events/s (${fmt(batch.count)} in ${batch.seconds.toFixed(2)} s)${batch.capped ? ' [capped]' : ''}`);

    let readAll: PhaseResult | null = null;
    if (adapter !== 'sqlite-full') {
      const events = await topUp(second.append, batch.count, config.readEvents, config, workload);
      if (events > batch.count) log(`    (topped up to ${fmt(events)} events for readAll)`);
      readAll = await timeRead(second.read, workload, events);
      log(`    readAll: ${fmt(readAll.perSecond)} parsed events/s (${fmt(readAll.count)} in ${readAll.seconds.toFixed(2)} s)`);
    }
    await second.close();
    const dbBytes = second.file ? fileBytes(second.file) : undefined;
    const result: AdapterResult = { adapter, label, single, batch, readAll };
    if (dbBytes !== undefined) result.dbBytes = dbBytes;
    if (schema !== undefined) (result as AdapterResult & { schema: string }).schema = schema;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

// ---------------------------------------------------------------------------------------------------------------------
// Orchestrator

const runInChild = (adapter: AdapterKey): Promise<AdapterResult & { schema?: string }> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BENCH_WORKER: adapter },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: (AdapterResult & { schema?: string }) | undefined;
    child.on('message', (message) => {
      result = message as AdapterResult & { schema?: string };
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${adapter} worker exited with code ${code}`));
    });
  });

interface Target {
  name: string;
  value: number | null;
  threshold: number;
  unit: string;
  pass: boolean | null;
}

const machine = () => {
  const cpus = os.cpus();
  let commit: string | undefined;
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src/infrastructure/event-store', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (dirty) commit += ' (event-store adapters modified)';
  } catch {
    commit = undefined;
  }
  const db = new Database(':memory:');
  const sqliteVersion = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const betterSqlite3 = (JSON.parse(readFileSync(new URL('../node_modules/better-sqlite3/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    betterSqlite3,
    sqlite: sqliteVersion,
    tmpdir: os.tmpdir(),
    commit,
  };
};

const cell = (phase: PhaseResult | null | undefined, unit = ''): string =>
  phase ? `${fmt(phase.perSecond)}${unit}${phase.capped ? ' (capped)' : ''}` : '—';

const ratio = (a: PhaseResult | null | undefined, b: PhaseResult | null | undefined): string =>
  a && b ? `${(a.perSecond / b.perSecond).toFixed(2)} ×` : '—';

const main = async (): Promise<void> => {
  const config = readConfig();
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const adapters = (Object.keys(ADAPTERS) as AdapterKey[]).filter((a) => !only || only.includes(a));
  const sample = makeEvent(123_456, streamName(1234));
  const info = machine();
  const started = new Date();
  log(`store bench: ${info.cpus} × ${info.cpuModel}, node ${info.node}, SQLite ${info.sqlite}`);
  log(
    `  ${fmt(config.events)} single appends (${fmt(config.fullEvents)} with FULL) over ${fmt(config.streams)} streams, ` +
      `${fmt(config.batchEvents)} events in batches of ${config.batchSize}, readAll over ${fmt(config.readEvents)}; ` +
      `~${eventBytes(sample)} bytes of JSON per event`,
  );

  const results: (AdapterResult & { schema?: string })[] = [];
  for (const adapter of adapters) results.push(await runInChild(adapter));
  const totalSeconds = (Date.now() - started.getTime()) / 1000;

  const by = (key: AdapterKey) => results.find((r) => r.adapter === key);
  const sqlite = by('sqlite');
  const raw = by('raw');
  if (sqlite?.schema && raw?.schema && sqlite.schema !== raw.schema) {
    throw new Error(`the raw baseline's schema differs from SqliteEventStore's:\n${raw.schema}\n${sqlite.schema}`);
  }

  const target = (name: string, value: number | null | undefined, threshold: number, unit: string): Target => ({
    name,
    value: value ?? null,
    threshold,
    unit,
    pass: value === undefined || value === null ? null : value >= threshold,
  });
  const targets: Target[] = [
    target('SQLite (NORMAL) single-event appends/s', sqlite?.single.perSecond, 15_000, '/s'),
    target(
      'SQLite (NORMAL) single-event appends vs raw',
      sqlite && raw ? sqlite.single.perSecond / raw.single.perSecond : null,
      0.6,
      '×',
    ),
    target(`SQLite (NORMAL) events/s in batches of ${config.batchSize}`, sqlite?.batch.perSecond, 100_000, '/s'),
    target('SQLite (NORMAL) readAll parsed events/s', sqlite?.readAll?.perSecond, 300_000, '/s'),
  ];

  const lines: string[] = [];
  lines.push('# Event store bench', '');
  lines.push(
    `${started.toISOString()} · ${info.cpus} × ${info.cpuModel} · ${info.totalMemoryMB} MB · ${info.platform} · node ${info.node} · ` +
      `better-sqlite3 ${info.betterSqlite3} · SQLite ${info.sqlite}${info.commit ? ` · commit ${info.commit}` : ''}`,
    '',
  );
  lines.push(
    `Workload: ${fmt(config.events)} single-event appends (${fmt(config.fullEvents)} for FULL), exact expected revision, round-robin over ` +
      `${fmt(config.streams)} streams, awaited one after another; ${fmt(config.batchEvents)} events in appends of ${config.batchSize}; ` +
      `readAll() over the batch store (${fmt(config.readEvents)} events wanted), touching each event's data. ` +
      `~${eventBytes(sample)} bytes of JSON data + metadata per event. SQLite files in ${info.tmpdir}, WAL. ` +
      `Each adapter runs in its own process. Total ${totalSeconds.toFixed(0)} s.`,
    '',
  );
  lines.push(`| Adapter | Single appends/s | Events/s, batches of ${config.batchSize} | readAll parsed events/s |`);
  lines.push('|---|--:|--:|--:|');
  for (const r of results) lines.push(`| ${r.label} | ${cell(r.single)} | ${cell(r.batch)} | ${cell(r.readAll)} |`);
  if (sqlite && raw) {
    lines.push(`| *SqliteEventStore (NORMAL) / raw* | *${ratio(sqlite.single, raw.single)}* | *${ratio(sqlite.batch, raw.batch)}* | *${ratio(sqlite.readAll, raw.readAll)}* |`);
  }
  lines.push('');
  lines.push('| Target | Measured | Threshold | Result |');
  lines.push('|---|--:|--:|---|');
  for (const t of targets) {
    const value = t.value === null ? '—' : t.unit === '×' ? `${t.value.toFixed(2)} ×` : fmt(t.value);
    const threshold = t.unit === '×' ? `≥ ${t.threshold} ×` : `≥ ${fmt(t.threshold)}`;
    lines.push(`| ${t.name} | ${value} | ${threshold} | ${t.pass === null ? 'not measured' : t.pass ? 'PASS' : 'FAIL'} |`);
  }
  lines.push('');
  lines.push(
    'The FULL row skips readAll (the synchronous setting only changes commits). "(capped)": the phase stopped after ' +
      `${config.maxPhaseSeconds} s (BENCH_MAX_PHASE_SECONDS) and reports the rate of what it did. Memory store numbers are informational.`,
    '',
  );
  const markdown = lines.join('\n');
  process.stdout.write(`\n${markdown}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'store.md'), markdown);
  const json = {
    date: started.toISOString(),
    totalSeconds,
    machine: info,
    config,
    eventJsonBytes: eventBytes(sample),
    results: results.map(({ schema: _schema, ...r }) => r),
    targets,
  };
  writeFileSync(join(RESULTS_DIR, 'store.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwrote ${join('bench', 'results', 'store.md')} and store.json`);
  if (process.env.BENCH_STRICT === '1' && targets.some((t) => t.pass === false)) process.exitCode = 1;
};

const worker = process.env.BENCH_WORKER as AdapterKey | undefined;
if (worker) {
  if (!(worker in ADAPTERS)) throw new Error(`unknown BENCH_WORKER ${worker}`);
  const result = await runWorker(worker);
  // Run directly (e.g. `BENCH_WORKER=sqlite node --cpu-prof --import tsx bench/store.bench.ts`), it prints its result.
  if (process.send) {
    process.send(result);
    process.disconnect();
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} else {
  await main();
}
