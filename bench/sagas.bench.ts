/**
 * Order fulfilment saga throughput and latency, end to end, on the embedded profile and with Redis, beside a bare
 * baseline (the same events appended straight to a SqliteEventStore by a loop: the ceiling):
 *
 *   1. bare baseline, in a child process (bench/sagas/bare.ts)
 *   2. per profile (embedded, then REDIS_URL: the bench starts its own redis-server when the variable is not set),
 *      each run on a fresh `node --import tsx src/main.ts` child:
 *        a. capacity: a closed loop over the saga (each client places its next order once its last is confirmed),
 *           BENCH_SAGAS_WARMUP_SECONDS + BENCH_SAGAS_SECONDS, once per number of clients in BENCH_SAGAS_CLIENTS: with
 *           Redis the saga is bound by round trips more than by CPU, so its rate grows with the orders in flight
 *        b. target rate: orders at the profile's target rate, open loop, for as long
 *      then the drain: every acknowledged order must end confirmed (up to BENCH_SAGAS_DRAIN_SECONDS)
 *   3. the bare baseline again (the better of its two runs is the ceiling)
 *   4. when a target is missed (or BENCH_SAGAS_CPU_PROF=1; =0 never): per profile, its best capacity load once more on a
 *      server under `node --cpu-prof`, summarised by part and top functions over its window (bench/sagas/profile.ts)
 *
 * Writes bench/results/sagas.md and bench/results/sagas.json.
 *
 * Env: BENCH_SAGAS_PRODUCTS (100), BENCH_SAGAS_CLIENTS (16,64,256), BENCH_SAGAS_WARMUP_SECONDS (5), BENCH_SAGAS_SECONDS (30),
 * BENCH_SAGAS_DRAIN_SECONDS (600), BENCH_SAGAS_RATE_EMBEDDED (500), BENCH_SAGAS_RATE_REDIS (300), BENCH_SAGAS_BARE_CONCURRENCY (64),
 * BENCH_SAGAS_BARE_SECONDS (5), BENCH_SAGAS_PROFILE_SECONDS (15), BENCH_SAGAS_ONLY (embedded | redis),
 * BENCH_SAGAS_CPU_PROF (auto | 1 | 0; profiles kept in a temp dir, path printed), BENCH_STRICT=1 (exit 1 on a missed target),
 * BENCH_SAGAS_WAIT_QUIET=<seconds> (on a shared machine: first wait up to that long for the CPUs to be under 15 % busy).
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInChildProcess } from './child-run.js';
import { ROOT } from './http/servers.js';
import { cpuBusy } from './http/report.js';
import { type BareOptions, type BareResult, runBare } from './sagas/bare.js';
import { measureRun, type ProfileName, type RunResult } from './sagas/measure.js';
import { type Redis, startRedis } from './sagas/platform.js';
import { summariseProfile } from './sagas/profile.js';
import { type Background, bestBare, machine, markdown, type ProfiledRun, type SagasBenchConfig, sustainedRate, targetsOf } from './sagas/report.js';

const RESULTS_DIR = join(ROOT, 'bench/results');
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const int = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const ints = (name: string, fallback: string): number[] => {
  const values = (process.env[name] ?? fallback).split(',').map(Number);
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`${name} must be positive integers, comma-separated`);
  return values;
};

const config: SagasBenchConfig = {
  products: int('BENCH_SAGAS_PRODUCTS', 100),
  clients: ints('BENCH_SAGAS_CLIENTS', '16,64,256'),
  warmupSeconds: int('BENCH_SAGAS_WARMUP_SECONDS', 5),
  seconds: int('BENCH_SAGAS_SECONDS', 30),
  drainSeconds: int('BENCH_SAGAS_DRAIN_SECONDS', 600),
  rates: { embedded: int('BENCH_SAGAS_RATE_EMBEDDED', 500), redis: int('BENCH_SAGAS_RATE_REDIS', 300) },
  bare: { concurrency: int('BENCH_SAGAS_BARE_CONCURRENCY', 64), warmupSeconds: 1, seconds: int('BENCH_SAGAS_BARE_SECONDS', 5) },
  profileSeconds: int('BENCH_SAGAS_PROFILE_SECONDS', 15),
};

const bareRun = (): Promise<BareResult> => {
  const options: BareOptions = { products: config.products, concurrency: config.bare.concurrency, warmupSeconds: config.bare.warmupSeconds, seconds: config.bare.seconds };
  return runInChildProcess<BareResult>(fileURLToPath(import.meta.url), { BENCH_SAGAS_WORKER: 'bare', BENCH_SAGAS_BARE_OPTIONS: JSON.stringify(options) }, 'bare baseline');
};

const describeBare = (bare: BareResult) =>
  `  bare baseline: ${Math.round(bare.ordersPerSecond)} orders/s (${Math.round(bare.eventsPerSecond)} events/s), p50 ${bare.latencyMs.p50} ms, ` +
  `p99 ${bare.latencyMs.p99} ms, ${bare.cpuMsPerOrder.toFixed(2)} ms CPU per order${bare.verified ? '' : ', EVENTS NOT AS THE DECIDERS EXPECT'}`;

/** The main thread's profile of the server process that wrote the newest profiles into `dir`. */
const mainThreadProfile = (dir: string): string => {
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread.
  const main = files.filter((file) => file.split('.')[4] === '0').sort();
  const file = main[main.length - 1];
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, file);
};

/** Waits (up to `seconds`) until other work leaves the CPUs mostly idle; answers how busy they were at the end. */
const waitForQuiet = async (seconds: number): Promise<number> => {
  const start = Date.now();
  let busy = await cpuBusy();
  while (busy > 0.15 && Date.now() - start < seconds * 1000) {
    log(`  waiting for a quieter machine: ${Math.round(busy * 100)} % of the CPUs busy`);
    busy = await cpuBusy(2000);
  }
  return busy;
};

const main = async (): Promise<void> => {
  const busyBefore = await waitForQuiet(Number(process.env.BENCH_SAGAS_WAIT_QUIET ?? 0));
  const started = new Date();
  const loadAtStart = os.loadavg();
  const info = machine();
  const only = process.env.BENCH_SAGAS_ONLY as ProfileName | undefined;
  const profiles: ProfileName[] = only ? [only] : ['embedded', 'redis'];
  log(`saga bench: ${info.cpus} × ${info.cpuModel}, node ${info.node}; profiles ${profiles.join(', ')}; ${config.seconds} s windows`);

  const bare: BareResult[] = [await bareRun()];
  log(describeBare(bare[0]!));

  let redis: Redis | undefined;
  const runs: RunResult[] = [];
  const profiled: ProfiledRun[] = [];
  try {
    if (profiles.includes('redis')) {
      redis = await startRedis();
      log(`  redis: ${redis.url} (${redis.own ? 'started by the bench' : 'REDIS_URL'})`);
    }
    const common = { products: config.products, warmupSeconds: config.warmupSeconds, seconds: config.seconds, drainSeconds: config.drainSeconds };
    for (const profile of profiles) {
      const withRedis = profile === 'redis' ? { redis: redis! } : {};
      for (const clients of config.clients) runs.push(await measureRun({ ...common, ...withRedis, profile, phase: 'capacity', load: { kind: 'clients', clients } }));
      runs.push(await measureRun({ ...common, ...withRedis, profile, phase: 'target-rate', load: { kind: 'rate', perSecond: config.rates[profile] } }));
    }

    bare.push(await bareRun());
    log(describeBare(bare[1]!));

    const setting = process.env.BENCH_SAGAS_CPU_PROF ?? 'auto';
    const missed = targetsOf(runs).some((target) => !target.pass);
    if (setting === '1' || (setting === 'auto' && missed)) {
      const dir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-sagas-prof-'));
      log(`  CPU profiles (a target was missed or BENCH_SAGAS_CPU_PROF=1) in ${dir}`);
      for (const profile of profiles) {
        const cpuProfDir = join(dir, profile);
        mkdirSync(cpuProfDir);
        // The number of clients that gave this profile its best rate.
        const best = runs
          .filter((run) => run.profile === profile && run.load.kind === 'clients')
          .sort((a, b) => b.confirmedPerSecond - a.confirmedPerSecond)[0];
        const clients = best?.load.kind === 'clients' ? best.load.clients : config.clients[0]!;
        const run = await measureRun({
          ...common,
          seconds: config.profileSeconds,
          ...(profile === 'redis' ? { redis: redis! } : {}),
          profile,
          phase: 'capacity',
          load: { kind: 'clients', clients },
          cpuProfDir,
        });
        const file = mainThreadProfile(cpuProfDir);
        profiled.push({ profile, run, summary: summariseProfile(file, ROOT, run.windowHrUs[0], run.windowHrUs[1]), file });
      }
    }
  } finally {
    redis?.stop();
  }

  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  const background: Background = { cpuBusyBeforeStart: busyBefore, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() };
  const report = markdown({ runs, bare, profiled, config, info, background, redis: redis ? { own: redis.own, version: redis.version } : undefined, date: started, totalSeconds });
  const targets = targetsOf(runs);
  const ceiling = bestBare(bare);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'sagas.md'), `${report}\n`);
  writeFileSync(
    join(RESULTS_DIR, 'sagas.json'),
    `${JSON.stringify(
      {
        date: started.toISOString(),
        totalSeconds,
        machine: info,
        background,
        config,
        bare,
        runs,
        sustained: Object.fromEntries(profiles.map((profile) => [profile, sustainedRate(runs, profile)])),
        ratiosToBare: Object.fromEntries(profiles.map((profile) => [profile, sustainedRate(runs, profile) / ceiling.ordersPerSecond])),
        targets,
        profiles: profiled.map(({ profile, run, summary }) => ({ profile, confirmedPerSecond: run.confirmedPerSecond, cpuMsPerOrder: run.cpuMsPerOrder, summary })),
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\n${report}\n`);
  if (process.env.BENCH_STRICT === '1' && targets.some((target) => !target.pass)) process.exitCode = 1;
};

if (process.env.BENCH_SAGAS_WORKER === 'bare') {
  const result = await runBare(JSON.parse(process.env.BENCH_SAGAS_BARE_OPTIONS!) as BareOptions);
  // Run by hand (e.g. under --cpu-prof), it prints its result instead.
  if (process.send) {
    process.send(result);
    process.disconnect();
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}
`);
  }
} else {
  await main();
}
