/**
 * Event store throughput: MemoryEventStore, SqliteEventStore (WAL, synchronous NORMAL and FULL) and a raw
 * better-sqlite3 baseline doing the same work in SQLite (schema, pragmas, background WAL checkpoints, statements,
 * savepoints, read pages, one parse per row), called directly (the ceiling; see bench/store/raw-sqlite.ts).
 *
 *   1. single-event appends/s, exact expected revision, round-robin over BENCH_STREAMS streams, awaited one by one
 *   2. events/s appended in batches of BENCH_BATCH_SIZE events, exact expected revision, into a fresh store
 *   3. parsed events/s iterating readAll() over BENCH_READ_EVENTS events, touching each event's data
 *
 * Every adapter run is a child process of its own (fresh heap and JIT), one after another. The SqliteEventStore
 * (NORMAL) and raw runs are interleaved BENCH_ROUNDS times and the best round of each phase is reported: the
 * machine may be shared, and a busy neighbour only ever makes a run slower. The readAll dataset is written once,
 * untimed, and read by both. Writes bench/results/store.md and bench/results/store.json.
 *
 * Env: BENCH_EVENTS (100000), BENCH_STREAMS (10000), BENCH_BATCH_EVENTS (1000000), BENCH_BATCH_SIZE (100),
 * BENCH_READ_EVENTS (1000000), BENCH_FULL_EVENTS (min(BENCH_EVENTS, 20000)), BENCH_MAX_PHASE_SECONDS (10),
 * BENCH_ROUNDS (2), BENCH_IDS (random | ordered event ids; the other scheme gets an informational row),
 * BENCH_ONLY (comma-separated runs: memory,sqlite,raw,sqlite-full,sqlite-other-ids), BENCH_STRICT=1 (exit 1 on a miss).
 * Profile one run: BENCH_WORKER=sqlite BENCH_READ_DB=<file> node --cpu-prof --import tsx bench/store.bench.ts
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { EventData, EventStore } from '../src/application/ports/event-store.js';
import { MemoryEventStore } from '../src/infrastructure/event-store/memory-event-store.js';
import { READ_PAGE, SqliteEventStore, WAL_AUTOCHECKPOINT_BACKSTOP_PAGES } from '../src/infrastructure/event-store/sqlite-event-store.js';
import { runInChildProcess } from './child-run.js';
import { buildReadDataset, RawSqlite } from './store/raw-sqlite.js';
import {
  amountSum,
  type DepositData,
  eventBytes,
  type IdScheme,
  makeEvent,
  readConfig,
  type StoreBenchConfig,
  streamName,
} from './store/workload.js';

type RunKind = 'memory' | 'sqlite' | 'raw' | 'sqlite-full' | 'sqlite-other-ids';
const RUN_KINDS: readonly RunKind[] = ['memory', 'sqlite', 'raw', 'sqlite-full', 'sqlite-other-ids'];

const otherIds = (ids: IdScheme): IdScheme => (ids === 'random' ? 'ordered' : 'random');

const labelOf = (kind: RunKind, ids: IdScheme): string =>
  ({
    memory: 'MemoryEventStore',
    sqlite: 'SqliteEventStore (WAL, synchronous=NORMAL)',
    raw: 'raw better-sqlite3 (WAL, synchronous=NORMAL)',
    'sqlite-full': 'SqliteEventStore (WAL, synchronous=FULL)',
    'sqlite-other-ids': `SqliteEventStore (WAL, synchronous=NORMAL), ${otherIds(ids)} event ids`,
  })[kind];

interface Latency {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface PhaseResult {
  /** Appends (phase 1) or events (phases 2 and 3) done. */
  count: number;
  seconds: number;
  perSecond: number;
  /** True when the phase stopped at BENCH_MAX_PHASE_SECONDS before doing all its work. */
  capped: boolean;
  /** Single appends: how long each took. */
  latency?: Latency;
  /** readAll: CPU time of the process (user + system) and the rate per CPU second, which a busy machine disturbs less. */
  cpuSeconds?: number;
  perCpuSecond?: number;
}

interface RunResult {
  kind: RunKind;
  label: string;
  round: number;
  ids: IdScheme;
  single: PhaseResult;
  batch: PhaseResult;
  readAll: PhaseResult | null;
  /** The events table as SQLite stores it, to check that the raw baseline's schema is the adapter's. */
  schema?: string;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const kilo = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : fmt(n));

// ---------------------------------------------------------------------------------------------------------------------
// Worker: one run of one adapter

/** Appends one event, or a batch, with the exact expected revision (-1: no stream); returns the stream's new revision. */
type Append = (stream: string, events: readonly EventData[], expected: number) => number | Promise<number>;
type Read = () => Promise<{ count: number; sum: number }>;

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

const appendPhase = async (
  what: string,
  append: Append,
  config: StoreBenchConfig,
  total: number,
  batchSize: number,
  ids: IdScheme,
  seq: { next: number },
): Promise<PhaseResult> => {
  const revisions = new Int32Array(config.streams).fill(-1);
  const names = Array.from({ length: config.streams }, (_, i) => streamName(i));
  const appends = Math.ceil(total / batchSize);
  const durations = new Float64Array(appends);
  const capMs = config.maxPhaseSeconds * 1000;
  let elapsed = 0;
  let events = 0;
  let done = 0;
  let nextReport = performance.now() + 5_000;
  for (; done < appends && elapsed < capMs; done++) {
    const s = done % config.streams;
    const stream = names[s]!;
    const size = Math.min(batchSize, total - events);
    const batch: EventData[] = new Array(size);
    for (let i = 0; i < size; i++) batch[i] = makeEvent(seq.next++, stream, ids);
    // Only the append is timed: making the events is the workload's cost, not the store's.
    const t0 = performance.now();
    let revision = append(stream, batch, revisions[s]!);
    if (typeof revision !== 'number') revision = await revision;
    const t1 = performance.now();
    durations[done] = t1 - t0;
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
  const result: PhaseResult = { count, seconds, perSecond: count / seconds, capped: done < appends };
  if (batchSize === 1) {
    const sorted = durations.subarray(0, done).sort();
    result.latency = { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? 0 };
  }
  return result;
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

const readStore = (store: EventStore): Read => async () => {
  let count = 0;
  let sum = 0;
  for await (const event of store.readAll()) {
    count++;
    sum += (event.data as DepositData).amount;
  }
  return { count, sum };
};

const readRaw = (raw: RawSqlite): Read => async () => {
  let sum = 0;
  const count = raw.scanAll((row) => {
    sum += (row[5] as DepositData).amount;
  });
  return { count, sum };
};

const readPhase = async (read: Read, events: number): Promise<PhaseResult> => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { count, sum } = await read();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const expected = amountSum(events);
  if (count !== events || sum !== expected) throw new Error(`readAll saw ${count} events (amount sum ${sum}), expected ${events} (sum ${expected})`);
  return { count, seconds, perSecond: count / seconds, capped: false, cpuSeconds, perCpuSecond: count / cpuSeconds };
};

/** Fills a memory store with the readAll dataset (what buildReadDataset writes to SQLite), untimed. */
const fillMemory = async (store: MemoryEventStore, config: StoreBenchConfig): Promise<void> => {
  const revisions = new Int32Array(config.streams).fill(-1);
  for (let seq = 0, append = 0; seq < config.readEvents; append++) {
    const s = append % config.streams;
    const stream = streamName(s);
    const size = Math.min(config.batchSize, config.readEvents - seq);
    const batch = Array.from({ length: size }, () => makeEvent(seq++, stream, config.ids));
    const result = await store.appendToStream(stream, batch, { expectedRevision: revisions[s]! < 0 ? 'no_stream' : BigInt(revisions[s]!) });
    revisions[s] = Number(result.nextExpectedRevision);
  }
};

const schemaOf = (file: string): string => {
  const db = new Database(file, { readonly: true });
  const sql = db.prepare("SELECT group_concat(sql, ';') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as string;
  db.close();
  return sql.replace(/\s+/g, ' ').trim();
};

const runWorker = async (kind: RunKind, round: number): Promise<RunResult> => {
  const config = readConfig();
  const ids = kind === 'sqlite-other-ids' ? otherIds(config.ids) : config.ids;
  const dir = mkdtempSync(join(os.tmpdir(), `ledgerflow-bench-${kind}-`));
  const seq = { next: 0 };
  const label = labelOf(kind, config.ids);
  type Opened = { append: Append; close: () => Promise<void>; file?: string };
  let n = 0;
  const open = (): Opened => {
    const file = join(dir, `events-${n++}.db`);
    switch (kind) {
      case 'memory': {
        const store = new MemoryEventStore();
        return { append: storeAppend(store), close: () => store.close() };
      }
      case 'raw': {
        const raw = new RawSqlite(file, 'NORMAL');
        return { append: rawAppend(raw), close: () => raw.close(), file };
      }
      default: {
        const store = new SqliteEventStore(file, { synchronous: kind === 'sqlite-full' ? 'FULL' : 'NORMAL' });
        return { append: storeAppend(store), close: () => store.close(), file };
      }
    }
  };
  try {
    log(`  ${label}${config.rounds > 1 && (kind === 'sqlite' || kind === 'raw') ? `, round ${round}` : ''}`);
    const first = open();
    const single = await appendPhase('single appends', first.append, config, kind === 'sqlite-full' ? config.fullEvents : config.events, 1, ids, seq);
    await first.close();
    const lat = single.latency!;
    log(
      `    single appends: ${fmt(single.perSecond)}/s (${fmt(single.count)} in ${single.seconds.toFixed(2)} s${single.capped ? ', capped' : ''}); ` +
        `p50 ${lat.p50Ms.toFixed(3)} ms, p99 ${lat.p99Ms.toFixed(3)} ms, max ${lat.maxMs.toFixed(1)} ms`,
    );
    const schema = first.file ? schemaOf(first.file) : undefined;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });

    const second = open();
    const batch = await appendPhase(`batches of ${config.batchSize}`, second.append, config, config.batchEvents, config.batchSize, ids, seq);
    await second.close();
    log(`    batches of ${config.batchSize}: ${fmt(batch.perSecond)} events/s (${fmt(batch.count)} in ${batch.seconds.toFixed(2)} s${batch.capped ? ', capped' : ''})`);
    rmSync(dir, { recursive: true, force: true });

    let readAll: PhaseResult | null = null;
    if (kind === 'memory' || kind === 'sqlite' || kind === 'raw') {
      let read: Read;
      let close: () => Promise<void>;
      if (kind === 'memory') {
        const store = new MemoryEventStore();
        await fillMemory(store, config);
        read = readStore(store);
        close = () => store.close();
      } else {
        const file = process.env.BENCH_READ_DB;
        if (!file || !existsSync(file)) throw new Error('BENCH_READ_DB must name the readAll dataset');
        if (kind === 'raw') {
          const raw = new RawSqlite(file, 'NORMAL');
          read = readRaw(raw);
          close = () => raw.close();
        } else {
          const store = new SqliteEventStore(file);
          read = readStore(store);
          close = () => store.close();
        }
      }
      readAll = await readPhase(read, config.readEvents);
      await close();
      log(
        `    readAll: ${fmt(readAll.perSecond)} parsed events/s (${fmt(readAll.count)} in ${readAll.seconds.toFixed(2)} s; ` +
          `${fmt(readAll.perCpuSecond!)} per CPU second)`,
      );
    }
    const result: RunResult = { kind, label, round, ids, single, batch, readAll };
    if (schema !== undefined) result.schema = schema;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

// ---------------------------------------------------------------------------------------------------------------------
// Orchestrator

const runInChild = (kind: RunKind, round: number, readDb: string): Promise<RunResult> =>
  runInChildProcess(fileURLToPath(import.meta.url), { BENCH_WORKER: kind, BENCH_ROUND: String(round), BENCH_READ_DB: readDb }, `${kind} run`);

interface Target {
  name: string;
  value: number | null;
  threshold: number;
  unit: '/s' | '×';
  pass: boolean | null;
}

const machine = () => {
  const cpus = os.cpus();
  let commit: string | undefined;
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src/infrastructure/event-store src/infrastructure/sqlite', {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    if (dirty) commit += ' + uncommitted event store changes';
  } catch {
    commit = undefined;
  }
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const packageJson = new URL('../node_modules/better-sqlite3/package.json', import.meta.url);
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    betterSqlite3: (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version,
    sqlite,
    tmpdir: os.tmpdir(),
    commit,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
};

/** The best of each phase over a kind's rounds. */
const best = (runs: readonly RunResult[]): RunResult | undefined => {
  if (runs.length === 0) return undefined;
  const top = <K extends 'single' | 'batch' | 'readAll'>(key: K): RunResult[K] =>
    runs.map((r) => r[key]).reduce((a, b) => (b && (!a || b.perSecond > a.perSecond) ? b : a));
  return { ...runs[0]!, single: top('single'), batch: top('batch'), readAll: top('readAll') };
};

const rate = (phase: PhaseResult | null | undefined): string =>
  phase ? `${fmt(phase.perSecond)}${phase.capped ? ` (capped: ${kilo(phase.count)} in ${phase.seconds.toFixed(0)} s)` : ''}` : '—';

const latencyCell = (phase: PhaseResult): string =>
  phase.latency ? `${phase.latency.p50Ms.toFixed(3)} / ${phase.latency.p99Ms.toFixed(3)} / ${phase.latency.maxMs.toFixed(1)}` : '—';

const ratio = (a: PhaseResult | null | undefined, b: PhaseResult | null | undefined): string =>
  a && b ? `${(a.perSecond / b.perSecond).toFixed(2)} ×` : '—';

const main = async (): Promise<void> => {
  const config = readConfig();
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const kind of only ?? []) if (!RUN_KINDS.includes(kind as RunKind)) throw new Error(`BENCH_ONLY: unknown run ${kind}`);
  const wanted = (kind: RunKind): boolean => !only || only.includes(kind);
  const info = machine();
  const started = new Date();
  const sample = makeEvent(123_456, streamName(1234), config.ids);
  log(`store bench: ${info.cpus} × ${info.cpuModel}, node ${info.node}, SQLite ${info.sqlite}, load average ${info.loadAverageAtStart.join(' ')}`);
  log(
    `  ${fmt(config.events)} single appends (${fmt(config.fullEvents)} with FULL) over ${fmt(config.streams)} streams; ` +
      `${fmt(config.batchEvents)} events in appends of ${config.batchSize}; readAll over ${fmt(config.readEvents)}; ` +
      `${config.ids} event ids, ~${eventBytes(sample)} bytes of JSON per event; phases capped at ${config.maxPhaseSeconds} s; ${config.rounds} round(s)`,
  );

  const dir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-bench-read-'));
  const readDb = join(dir, 'read.db');
  const results: RunResult[] = [];
  try {
    if (wanted('sqlite') || wanted('raw')) {
      const t0 = performance.now();
      buildReadDataset(readDb, config.readEvents, config.streams, config.batchSize, config.ids);
      log(`  (readAll dataset: ${fmt(config.readEvents)} events written in ${((performance.now() - t0) / 1000).toFixed(1)} s, untimed)`);
    }
    const schedule: [RunKind, number][] = [];
    if (wanted('memory')) schedule.push(['memory', 1]);
    for (let round = 1; round <= config.rounds; round++) {
      if (wanted('sqlite')) schedule.push(['sqlite', round]);
      if (wanted('raw')) schedule.push(['raw', round]);
    }
    if (wanted('sqlite-full')) schedule.push(['sqlite-full', 1]);
    if (wanted('sqlite-other-ids')) schedule.push(['sqlite-other-ids', 1]);
    for (const [kind, round] of schedule) results.push(await runInChild(kind, round, readDb));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  const loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));

  const rows = RUN_KINDS.map((kind) => best(results.filter((r) => r.kind === kind))).filter((r): r is RunResult => r !== undefined);
  const by = (kind: RunKind) => rows.find((r) => r.kind === kind);
  const sqlite = by('sqlite');
  const raw = by('raw');
  if (sqlite?.schema && raw?.schema && sqlite.schema !== raw.schema) {
    throw new Error(`the raw baseline's schema differs from SqliteEventStore's:\n${raw.schema}\n${sqlite.schema}`);
  }

  const target = (name: string, value: number | null | undefined, threshold: number, unit: Target['unit']): Target => ({
    name,
    value: value ?? null,
    threshold,
    unit,
    pass: value === undefined || value === null ? null : value >= threshold,
  });
  const targets: Target[] = [
    target('SqliteEventStore (NORMAL) single-event appends/s', sqlite?.single.perSecond, 15_000, '/s'),
    target('SqliteEventStore (NORMAL) single-event appends ÷ raw', sqlite && raw ? sqlite.single.perSecond / raw.single.perSecond : null, 0.6, '×'),
    target(`SqliteEventStore (NORMAL) events/s in appends of ${config.batchSize}`, sqlite?.batch.perSecond, 100_000, '/s'),
    target('SqliteEventStore (NORMAL) readAll parsed events/s', sqlite?.readAll?.perSecond, 300_000, '/s'),
  ];

  const lines: string[] = [];
  lines.push('# Event store bench', '');
  lines.push(
    `${started.toISOString()} · ${info.cpus} × ${info.cpuModel} · ${info.totalMemoryMB} MB · ${info.platform} · node ${info.node} · ` +
      `better-sqlite3 ${info.betterSqlite3} · SQLite ${info.sqlite}${info.commit ? ` · ${info.commit}` : ''} · ` +
      `load average ${info.loadAverageAtStart[0]} at start, ${loadAverageAtEnd[0]} at end · ${totalSeconds.toFixed(0)} s in all`,
    '',
  );
  lines.push(
    `Workload: ${fmt(config.events)} single-event appends (${fmt(config.fullEvents)} with FULL), exact expected revision, round-robin ` +
      `over ${fmt(config.streams)} streams, awaited one after another; ${fmt(config.batchEvents)} events in appends of ${config.batchSize} ` +
      `into a fresh store; readAll() over ${fmt(config.readEvents)} events, touching each event's data. Events carry ` +
      `~${eventBytes(sample)} bytes of JSON data + metadata and ${config.ids} UUIDs as ids. Append phases stop after ` +
      `${config.maxPhaseSeconds} s of appending ("capped") and report the rate of what they did. SQLite files in ${info.tmpdir}. ` +
      `Each run is a process of its own; SqliteEventStore (NORMAL) and raw ran ${config.rounds} interleaved round(s), best round shown.`,
    '',
  );
  lines.push(`| Run | Single appends/s | Single append p50 / p99 / max (ms) | Events/s, appends of ${config.batchSize} | readAll parsed events/s |`);
  lines.push('|---|--:|--:|--:|--:|');
  for (const r of rows) lines.push(`| ${r.label} | ${rate(r.single)} | ${latencyCell(r.single)} | ${rate(r.batch)} | ${rate(r.readAll)} |`);
  if (sqlite && raw) {
    lines.push(`| *SqliteEventStore (NORMAL) ÷ raw* | *${ratio(sqlite.single, raw.single)}* | | *${ratio(sqlite.batch, raw.batch)}* | *${ratio(sqlite.readAll, raw.readAll)}* |`);
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
  const cpuRates = rows.filter((r) => r.readAll?.perCpuSecond).map((r) => `${r.label} ${fmt(r.readAll!.perCpuSecond!)}`);
  if (cpuRates.length > 0) lines.push(`readAll per CPU second (less sensitive to a busy machine): ${cpuRates.join(' · ')}.`, '');
  lines.push(
    `The FULL and other-ids rows skip readAll. The raw baseline does SqliteEventStore's work in SQLite (WAL checkpoints in a ` +
      `worker thread, commits checkpointing only past ${fmt(WAL_AUTOCHECKPOINT_BACKSTOP_PAGES)} pages; each append in a savepoint of ` +
      `its transaction; reads of ${fmt(READ_PAGE)} rows a page, one JSON.parse per row) without the adapter's promises, bigints and objects.`,
    '',
  );
  const markdown = lines.join('\n');
  process.stdout.write(`\n${markdown}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'store.md'), markdown);
  const json = {
    date: started.toISOString(),
    totalSeconds,
    machine: { ...info, loadAverageAtEnd },
    config,
    eventJsonBytes: eventBytes(sample),
    results: rows.map(({ schema: _schema, round: _round, ...r }) => r),
    runs: results.map(({ schema: _schema, ...r }) => r),
    targets,
  };
  writeFileSync(join(RESULTS_DIR, 'store.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwrote bench/results/store.md and bench/results/store.json`);
  if (process.env.BENCH_STRICT === '1' && targets.some((t) => t.pass === false)) process.exitCode = 1;
};

const worker = process.env.BENCH_WORKER as RunKind | undefined;
if (worker) {
  if (!RUN_KINDS.includes(worker)) throw new Error(`unknown BENCH_WORKER ${worker}`);
  const result = await runWorker(worker, Number(process.env.BENCH_ROUND ?? 1));
  // Run by hand (e.g. under --cpu-prof), it prints its result instead.
  if (process.send) {
    process.send(result);
    process.disconnect();
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} else {
  await main();
}
