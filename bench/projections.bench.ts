/**
 * Projection rebuild bench: how fast `rebuildProjections` (what `npm run rebuild-projections` runs) turns a large
 * event history into the read models, and where its time goes.
 *
 *   1. seeds an embedded SQLite event store (temp dir) with BENCH_PROJ_EVENTS realistic events (bench/projections/
 *      workload.ts: users, products and stock, orders through the fulfilment saga, markets with positions, resolution
 *      and payouts), through SqliteEventStore.appendToStream;
 *   2. rebuilds every projection of `allModules` into the SQLite read store, in a fresh child process, with timers
 *      around the stores' calls: events/s, and the share of the time spent outside the stores' reads and writes;
 *   3. rebuilds again in another child under `node --cpu-prof` and splits the samples between the stores and the rest;
 *   4. rebuilds the first BENCH_PROJ_MONGO_EVENTS events into the MongoDB read store: MONGODB_URL if set, else a
 *      FerretDB started with .ci/start-ferretdb.sh (and stopped after), else the row is skipped; the database is dropped;
 *   5. writes bench/results/projections.md and bench/results/projections.json.
 *
 * Env: BENCH_PROJ_EVENTS (1000000), BENCH_PROJ_MONGO_EVENTS (20000; 0 skips the MongoDB row), BENCH_PROJ_PROFILE
 * (1; 0 skips the profile run), BENCH_PROJ_BATCH / BENCH_PROJ_FLUSH_DOCS / BENCH_PROJ_KEEP_DOCS (rebuild options;
 * the rebuild's defaults otherwise), BENCH_PROJ_SEED (20260105), BENCH_PROJ_WAIT_QUIET (seconds to wait, at most, for
 * the machine to be under 25 % busy before the measured rebuild; 0), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store.js';
import { runInChildProcess } from './child-run.js';
import { resolveMongo, serverKind } from './projections/ferretdb.js';
import { analyseProfile } from './projections/profile.js';
import { cpuTimes, fmt, machine, markdown, profileShares, type Report, timerShares } from './projections/report.js';
import { type RebuildJob, type RebuildResult, runRebuild } from './projections/rebuild-worker.js';
import { seedEvents } from './projections/seed.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const RESULTS_DIR = join(HERE, 'results');
const RATE_TARGET = 50_000;
const OUTSIDE_TARGET = 0.5;
const SEED_WINDOW = 100_000;

const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** BENCH_PROJECTION_EVENTS and BENCH_MONGO_EVENTS, the names of this bench's first version, still work. */
const ALIASES: Record<string, string> = { BENCH_PROJ_EVENTS: 'BENCH_PROJECTION_EVENTS', BENCH_PROJ_MONGO_EVENTS: 'BENCH_MONGO_EVENTS' };

const int = (name: string, fallback: number | undefined): number | undefined => {
  const alias = ALIASES[name];
  const raw = process.env[name] ?? (alias === undefined ? undefined : process.env[alias]);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return Math.floor(value);
};

// ---------------------------------------------------------------------------------------------------------------------
// Child: one rebuild

const runChild = async (): Promise<void> => {
  const job = JSON.parse(process.env.BENCH_PROJ_JOB!) as RebuildJob;
  const result = await runRebuild(job);
  await new Promise<void>((resolve, reject) => process.send!(result, (error: Error | null) => (error ? reject(error) : resolve())));
};

const rebuildInChild = (job: RebuildJob, execArgv: string[] = []): Promise<RebuildResult> =>
  runInChildProcess(fileURLToPath(import.meta.url), { BENCH_PROJ_CHILD: '1', BENCH_PROJ_JOB: JSON.stringify(job) }, 'rebuild child', execArgv);

// ---------------------------------------------------------------------------------------------------------------------
// Parent

const waitForQuiet = async (maxSeconds: number): Promise<void> => {
  if (maxSeconds <= 0) return;
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const before = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = cpuTimes();
    const busy = (after.busyMs - before.busyMs) / Math.max(1, after.totalMs - before.totalMs);
    if (busy < 0.25 || Date.now() > deadline) {
      log(`  machine ${Math.round(busy * 100)} % busy${busy < 0.25 ? '' : ' (waited long enough)'}`);
      return;
    }
    log(`  waiting for a quieter machine: ${Math.round(busy * 100)} % of the CPUs busy`);
  }
};

const describe = (label: string, result: RebuildResult): void => {
  const failed = result.checks.filter((check) => !check.pass);
  log(
    `  ${label}: ${fmt(result.applied)} events in ${result.seconds.toFixed(1)} s = ${fmt(result.perSecond)} events/s, ` +
      `CPU ${(result.cpuSeconds.user + result.cpuSeconds.system).toFixed(1)} s, GC ${(result.gc.ms / 1000).toFixed(1)} s, ` +
      `other processes ${Math.round(100 * result.othersBusy)} % of the cores; ` +
      (failed.length === 0 ? `${result.checks.length} checks pass` : `${failed.length} CHECK(S) FAILED: ${failed.map((check) => check.name).join(', ')}`),
  );
};

const main = async (): Promise<void> => {
  const startedAt = Date.now();
  const total = int('BENCH_PROJ_EVENTS', 1_000_000)!;
  if (total <= 0) throw new Error('BENCH_PROJ_EVENTS must be positive');
  const mongoEvents = Math.min(int('BENCH_PROJ_MONGO_EVENTS', 20_000)!, total);
  const profile = int('BENCH_PROJ_PROFILE', 1)! > 0;
  const options = {
    batchSize: int('BENCH_PROJ_BATCH', undefined),
    flushDocuments: int('BENCH_PROJ_FLUSH_DOCS', undefined),
    keepDocuments: int('BENCH_PROJ_KEEP_DOCS', undefined),
  };
  const seedNumber = int('BENCH_PROJ_SEED', 20_260_105)!;
  const info = machine(ROOT);
  const loadAtStart = os.loadavg();
  log(`projections bench: ${info.cpus} × ${info.cpuModel}, node ${info.node}, SQLite ${info.sqlite}; load average ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}`);

  const dir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-bench-projections-'));
  const eventsFile = join(dir, 'events.sqlite');
  let stopMongo: () => void = () => undefined;
  try {
    // 1. Seed.
    log(`seeding ${fmt(total)} events into ${eventsFile}…`);
    const store = new SqliteEventStore(eventsFile);
    let lastLog = Date.now();
    const seed = await seedEvents(store, total, {
      seed: seedNumber,
      windowEvents: SEED_WINDOW,
      marks: mongoEvents > 0 ? [mongoEvents] : [],
      onProgress: (done) => {
        if (Date.now() - lastLog > 10_000 || done === total) {
          lastLog = Date.now();
          log(`  ${fmt(done)} events (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
        }
      },
    });
    await store.close();
    log(`  seeded in ${seed.seconds.toFixed(1)} s (${fmt(seed.events / seed.seconds)} events/s), ${fmt(seed.streams)} streams, ~${seed.avgJsonBytes} bytes of JSON per event`);

    // 2. Measured rebuild into SQLite, with timers.
    await waitForQuiet(int('BENCH_PROJ_WAIT_QUIET', 0)!);
    log('rebuilding every projection into SQLite read models (child process, timers)…');
    const sqlite = await rebuildInChild({ eventsFile, target: { kind: 'sqlite', file: join(dir, 'read-models.sqlite') }, timers: true, ...options, expect: seed });
    describe('SQLite', sqlite);
    const shares = timerShares(sqlite);
    log(`  outside the stores' reads and writes: ${(100 * shares.outsideShare).toFixed(1)} % of the rebuild's time`);
    rmSync(join(dir, 'read-models.sqlite'), { force: true });

    // 3. Profiled rebuild.
    let profileResult: Report['profile'] = { skipped: 'BENCH_PROJ_PROFILE=0' };
    if (profile) {
      log('rebuilding again under node --cpu-prof (child process)…');
      const profileDir = join(dir, 'cpu-profile');
      mkdirSync(profileDir);
      const rebuild = await rebuildInChild(
        { eventsFile, target: { kind: 'sqlite', file: join(dir, 'read-models-profiled.sqlite') }, timers: false, ...options, expect: seed },
        ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      );
      describe('SQLite, profiled', rebuild);
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
      if (!file) profileResult = { skipped: 'no .cpuprofile was written' };
      else {
        const breakdown = analyseProfile(join(profileDir, file), ROOT, rebuild.windowUs[0], rebuild.windowUs[1]);
        const ps = profileShares(breakdown);
        log(`  profile: outside the stores ${(100 * ps.outsideWithoutGc).toFixed(1)} % of CPU without GC (${(100 * ps.outsideWithGc).toFixed(1)} % counting all GC as outside)`);
        profileResult = { rebuild, breakdown };
      }
      rmSync(join(dir, 'read-models-profiled.sqlite'), { force: true });
    }

    // 4. MongoDB.
    let mongo: Report['mongo'] = { skipped: 'BENCH_PROJ_MONGO_EVENTS=0' };
    if (mongoEvents > 0) {
      const resolution = resolveMongo(ROOT, dir, log);
      if ('skipped' in resolution) {
        mongo = { skipped: resolution.skipped };
        log(`  MongoDB row skipped: ${resolution.skipped}`);
      } else {
        stopMongo = resolution.server.stop;
        const kind = await serverKind(resolution.server.url);
        const label = resolution.server.label.startsWith('FerretDB') ? resolution.server.label : `${kind.version}, ${resolution.server.label}`;
        const mark = seed.marks.find((tally) => tally.events === mongoEvents) ?? seed;
        const db = `ledgerflow_bench_projections_${randomBytes(4).toString('hex')}`;
        log(`rebuilding the first ${fmt(mongoEvents)} events into MongoDB read models (${label}, database ${db})…`);
        const rebuild = await rebuildInChild({
          eventsFile,
          target: { kind: 'mongo', url: resolution.server.url, db },
          head: mark.position,
          timers: true,
          ...options,
          expect: mark,
        });
        describe('MongoDB', rebuild);
        mongo = { rebuild, server: label, ferretdb: kind.ferretdb, events: mongoEvents };
        stopMongo();
        stopMongo = () => undefined;
      }
    }

    // 5. Report.
    const report: Report = {
      date: new Date(startedAt).toISOString(),
      info,
      loadAverage: { start: loadAtStart, end: os.loadavg() },
      config: {
        events: total,
        mongoEvents,
        seed: seedNumber,
        seedWindow: SEED_WINDOW,
        batchSize: options.batchSize ?? null,
        flushDocuments: options.flushDocuments ?? null,
        keepDocuments: options.keepDocuments ?? null,
        profile: profile ? 1 : 0,
      },
      seed,
      sqlite,
      profile: profileResult,
      mongo,
      targets: {
        rate: { measured: sqlite.perSecond, threshold: RATE_TARGET, pass: sqlite.perSecond >= RATE_TARGET },
        outside: { measured: shares.outsideShare, threshold: OUTSIDE_TARGET, pass: shares.outsideShare < OUTSIDE_TARGET },
      },
      totalSeconds: (Date.now() - startedAt) / 1000,
    };
    const text = markdown(report);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'projections.md'), text);
    writeFileSync(join(RESULTS_DIR, 'projections.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${text}\n`);
    log(`wrote bench/results/projections.md and bench/results/projections.json (${report.totalSeconds.toFixed(0)} s)`);
    const checksFailed = [sqlite, ...('rebuild' in mongo ? [mongo.rebuild] : [])].some((result) => result.checks.some((check) => !check.pass));
    if (checksFailed) process.exitCode = 1;
    if (process.env.BENCH_STRICT === '1' && !(report.targets.rate.pass && report.targets.outside.pass)) process.exitCode = 1;
  } finally {
    stopMongo();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.env.BENCH_PROJ_CHILD === '1') {
  runChild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
