/**
 * HTTP throughput of the all-in-one server against a bare Express 5 app (the ceiling), with autocannon:
 *
 *   1. GET /api/v1/products/:id, round-robin over BENCH_HTTP_PRODUCTS seeded products, for BENCH_HTTP_SECONDS
 *   2. POST /api/v1/products/:id/stock-adjustments as admin (no If-Match, delta 1), round-robin, ~BENCH_HTTP_SECONDS,
 *      then a check that each product's stock.onHand equals the 2xx adjustments it was sent (read-your-writes)
 *
 * ledgerflow runs as `npm start` does (`node --import tsx src/main.ts`, embedded profile, fresh DATA_DIR, LOG_LEVEL=warn),
 * the bare app in another child process. Writes bench/results/http.md and bench/results/http.json.
 *
 * Env: BENCH_HTTP_CONNECTIONS (50), BENCH_HTTP_ROUNDS (4), BENCH_HTTP_SECONDS (5), BENCH_HTTP_WARMUP_SECONDS (3),
 * BENCH_HTTP_PRODUCTS (100), BENCH_HTTP_CPU_PROF=<dir> (run ledgerflow under --cpu-prof, profile written there; read it
 * with bench/http/profile-top.ts), BENCH_STRICT=1 (exit 1 on a missed target),
 * BENCH_HTTP_WAIT_QUIET=<seconds> (on a shared machine: first wait up to that long for the CPUs to be under 15 % busy).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { readProduct, seedProducts, signIn, verifyStock } from './http/api.js';
import { type LoadOptions, type LoadResult, type Phase, runLoad } from './http/load.js';
import { type Background, type BenchConfig, cpuBusy, cpuRatio, machine, markdown, type Measured, targetsOf } from './http/report.js';
import { type Child, ROOT, startBareExpress, startLedgerflow } from './http/servers.js';

const RESULTS_DIR = join(ROOT, 'bench/results');
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const int = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const config: BenchConfig = {
  connections: int('BENCH_HTTP_CONNECTIONS', 50),
  rounds: int('BENCH_HTTP_ROUNDS', 4),
  seconds: int('BENCH_HTTP_SECONDS', 5),
  warmupSeconds: int('BENCH_HTTP_WARMUP_SECONDS', 3),
  products: int('BENCH_HTTP_PRODUCTS', 100),
};

const describe = (r: LoadResult): string =>
  `${Math.round(r.reqPerSec).toLocaleString('en-US')} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
  `${r.count2xx} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts)` +
  (r.serverCpuUsPerRequest === undefined ? '' : `, server CPU ${Math.round(r.serverCpuUsPerRequest)} µs/req`);
const failures = (r: LoadResult): number => r.errors + r.non2xx;

/** Several runs of one server, as one: summed counts, rate over the summed time, the median p50 and the worst p99. */
const combine = (runs: LoadResult[]): LoadResult => {
  const sum = (pick: (r: LoadResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const requests = sum((r) => r.requests);
  const seconds = sum((r) => r.seconds);
  const cpuKnown = runs.every((r) => r.serverCpuUsPerRequest !== undefined);
  return {
    requests,
    seconds,
    reqPerSec: requests / seconds,
    latencyMs: {
      p50: median(runs.map((r) => r.latencyMs.p50)),
      p90: median(runs.map((r) => r.latencyMs.p90)),
      p99: Math.max(...runs.map((r) => r.latencyMs.p99)),
      max: Math.max(...runs.map((r) => r.latencyMs.max)),
      mean: sum((r) => r.latencyMs.mean * r.requests) / requests,
    },
    count2xx: sum((r) => r.count2xx),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    ...(cpuKnown ? { serverCpuUsPerRequest: sum((r) => r.serverCpuUsPerRequest! * r.requests) / requests } : {}),
  };
};

interface Contender {
  server: Child;
  options: Omit<LoadOptions, 'url' | 'phase' | 'connections'>;
}

/**
 * One phase for both servers: a warm-up each, then `config.rounds` rounds in which bare Express and ledgerflow run
 * one after the other, so that other work on this shared machine falls on both alike. GETs run for a duration. POSTs
 * send a fixed number of requests and await every answer, so the stock check knows each one's fate: the count
 * comes from each server's warm-up rate, to last ~config.seconds.
 */
const measurePhase = async (phase: Phase, bare: Contender, ledgerflow: Contender) => {
  const contenders = [bare, ledgerflow];
  const rates: number[] = [];
  let warmupFailures = 0;
  for (const { server, options } of contenders) {
    const base = { ...options, url: server.url, phase, connections: config.connections };
    if (phase === 'get') {
      const warm = await runLoad({ ...base, seconds: config.warmupSeconds });
      if (server === ledgerflow.server) warmupFailures += failures(warm);
      rates.push(warm.reqPerSec);
    } else {
      const first = await runLoad({ ...base, amount: config.connections * 40 });
      const second = await runLoad({ ...base, amount: Math.round(first.reqPerSec * config.warmupSeconds) });
      if (server === ledgerflow.server) warmupFailures += failures(first) + failures(second);
      rates.push(second.reqPerSec);
    }
  }
  const runs: LoadResult[][] = [[], []];
  for (let round = 1; round <= config.rounds; round++) {
    for (const [i, { server, options }] of contenders.entries()) {
      const base = { ...options, url: server.url, phase, connections: config.connections };
      const cpuBefore = server.cpuSeconds();
      const result =
        phase === 'get' ? await runLoad({ ...base, seconds: config.seconds }) : await runLoad({ ...base, amount: Math.round(rates[i]! * config.seconds) });
      const cpuAfter = server.cpuSeconds();
      if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0)
        result.serverCpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result.requests;
      log(`  round ${round} ${server.name} ${phase.toUpperCase()}: ${describe(result)}`);
      runs[i]!.push(result);
    }
  }
  const roundRatios = runs[1]!.map((run, i) => run.reqPerSec / runs[0]![i]!.reqPerSec);
  return { bare: combine(runs[0]!), ledgerflow: combine(runs[1]!), roundRatios, warmupFailures };
};

/** Waits (up to `seconds`) until other work leaves the CPUs mostly idle; answers how busy they were at the end. */
const waitForQuiet = async (seconds: number): Promise<{ busy: number; waited: number }> => {
  const start = Date.now();
  let busy = await cpuBusy();
  while (busy > 0.15 && Date.now() - start < seconds * 1000) {
    log(`  waiting for a quieter machine: ${Math.round(busy * 100)} % of the CPUs busy`);
    busy = await cpuBusy(2000);
  }
  return { busy, waited: (Date.now() - start) / 1000 - 1 };
};

const main = async (): Promise<void> => {
  const quiet = await waitForQuiet(Number(process.env.BENCH_HTTP_WAIT_QUIET ?? 0));
  const started = new Date();
  const loadAtStart = os.loadavg();
  const info = machine();
  log(`http bench: ${info.cpus} × ${info.cpuModel}, node ${info.node}, ${config.connections} connections, ${config.seconds} s per phase`);
  const adminEmail = 'bench-admin@example.com';
  const adminPassword = randomBytes(12).toString('base64url');
  const cpuProfDir = process.env.BENCH_HTTP_CPU_PROF ? resolve(process.env.BENCH_HTTP_CPU_PROF) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

  const bare = await startBareExpress();
  let ledgerflow: Child | undefined;
  let measured: Measured | undefined;
  try {
    ledgerflow = await startLedgerflow({ adminEmail, adminPassword, ...(cpuProfDir ? { cpuProfDir } : {}) });
    const token = await signIn(ledgerflow.url, adminEmail, adminPassword);
    const seeded = await seedProducts(ledgerflow.url, token, config.products);
    for (const id of seeded.ids) await readProduct(ledgerflow.url, id, seeded.position);
    log(`  seeded ${seeded.ids.length} products (position ${seeded.position})`);
    const { ids } = seeded;

    const accepted = new Map<string, number>();
    let lastPosition = seeded.position;
    const onAccepted = (id: string, position: bigint | undefined) => {
      accepted.set(id, (accepted.get(id) ?? 0) + 1);
      if (position !== undefined && position > lastPosition) lastPosition = position;
    };
    const get = await measurePhase('get', { server: bare, options: { ids } }, { server: ledgerflow, options: { ids } });
    const post = await measurePhase('post', { server: bare, options: { ids, token: 'none' } }, { server: ledgerflow, options: { ids, token, onAccepted } });
    const verification = await verifyStock(ledgerflow.url, ids, accepted, lastPosition);
    log(`  stock check at position ${lastPosition}: ${verification.ok ? 'every product matches' : `${verification.mismatches.length} mismatches`}`);
    measured = {
      bare: { get: get.bare, post: post.bare },
      ledgerflow: { get: get.ledgerflow, post: post.ledgerflow },
      roundRatios: { get: get.roundRatios, post: post.roundRatios },
      warmupFailures: get.warmupFailures + post.warmupFailures,
      verification,
    };
  } finally {
    await Promise.all([bare.stop(), ledgerflow?.stop()]);
  }

  if (cpuProfDir) log(`ledgerflow CPU profile written to ${cpuProfDir}`);
  if (!measured) return;
  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  const background: Background = {
    cpuBusyBeforeStart: quiet.busy,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg(),
    waitedSeconds: Math.max(0, quiet.waited),
  };
  const table = markdown(measured, config, info, background, started, totalSeconds);
  const targets = targetsOf(measured);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'http.md'), table);
  writeFileSync(
    join(RESULTS_DIR, 'http.json'),
    `${JSON.stringify(
      {
        date: started.toISOString(),
        totalSeconds,
        machine: info,
        background,
        config,
        results: measured,
        ratios: {
          get: measured.ledgerflow.get.reqPerSec / measured.bare.get.reqPerSec,
          post: measured.ledgerflow.post.reqPerSec / measured.bare.post.reqPerSec,
          getRounds: measured.roundRatios.get,
          postRounds: measured.roundRatios.post,
          getByServerCpu: cpuRatio(measured.bare.get, measured.ledgerflow.get),
          postByServerCpu: cpuRatio(measured.bare.post, measured.ledgerflow.post),
        },
        targets,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\n${table}\n`);
  if (process.env.BENCH_STRICT === '1' && targets.some((t) => !t.pass)) process.exitCode = 1;
};

await main();
