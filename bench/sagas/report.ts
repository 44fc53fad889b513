/** The saga bench's targets, verdicts and markdown report: every sentence that states a result is computed from the measurements. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../http/servers.js';
import type { BareResult } from './bare.js';
import type { ProfileName, RunResult } from './measure.js';
import type { ProfileSummary } from './profile.js';

/** From the issue: on this 2-core machine. */
export const TARGETS: Record<ProfileName, { perSecond: number; p99Ms: number }> = {
  embedded: { perSecond: 500, p99Ms: 100 },
  redis: { perSecond: 300, p99Ms: 250 },
};

/** An open-loop run kept up when at most this many seconds of its offered orders were still unconfirmed at the end. */
export const BACKLOG_SECONDS = 1;

export interface SagasBenchConfig {
  products: number;
  /** The closed loop's runs, one per number of clients. */
  clients: number[];
  warmupSeconds: number;
  seconds: number;
  drainSeconds: number;
  rates: Record<ProfileName, number>;
  bare: { concurrency: number; warmupSeconds: number; seconds: number };
  profileSeconds: number;
}

export interface ProfiledRun {
  profile: ProfileName;
  run: RunResult;
  summary: ProfileSummary;
  file: string;
}

export interface Background {
  cpuBusyBeforeStart: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface Target {
  name: string;
  measured: string;
  threshold: string;
  pass: boolean;
}

const version = (pkg: string): string => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export const machine = () => {
  const cpus = os.cpus();
  let commit: string | undefined;
  /** Files under src/ and sagas/ that differ from the commit: what ran is the working tree, edits and all. */
  let modified: string[] = [];
  try {
    const git = (args: string) => execSync(`git ${args}`, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    commit = git('rev-parse --short HEAD');
    // Not trimmed: each line is `XY path`, and the first line's X may be a space.
    modified = execSync('git status --porcelain -- src sagas', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    if (modified.length > 0) commit += ' (src or sagas modified)';
  } catch {
    commit = undefined;
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.type().toLowerCase()} ${os.release()} ${os.arch()}`,
    node: process.version,
    betterSqlite3: version('better-sqlite3'),
    bullmq: version('bullmq'),
    commit,
    modified,
  };
};

/** A closed loop over the saga keeps at most N orders in flight: whatever it confirms, it sustains. An open loop sustains its rate when the backlog stays under a second of it. */
export const sustained = (run: RunResult): boolean =>
  run.drained && (run.load.kind === 'clients' ? true : run.backlogAtEnd <= run.load.perSecond * BACKLOG_SECONDS);

export const bestBare = (bare: readonly BareResult[]): BareResult => bare.reduce((best, run) => (run.ordersPerSecond > best.ordersPerSecond ? run : best));

/** The highest confirmed/s of a profile's sustained runs (0 when none was). */
export const sustainedRate = (runs: readonly RunResult[], profile: ProfileName): number =>
  Math.max(0, ...runs.filter((run) => run.profile === profile && sustained(run)).map((run) => run.confirmedPerSecond));

const notConfirmedOf = (run: RunResult) => run.notConfirmed.cancelled + run.notConfirmed.open;

export const targetsOf = (runs: readonly RunResult[]): Target[] => {
  const targets: Target[] = [];
  for (const profile of ['embedded', 'redis'] as const) {
    const mine = runs.filter((run) => run.profile === profile);
    if (mine.length === 0) continue;
    const { perSecond, p99Ms } = TARGETS[profile];
    const rate = sustainedRate(runs, profile);
    targets.push({ name: `${profile}: orders/s sustained (confirmed)`, measured: fmt(rate), threshold: `≥ ${fmt(perSecond)}`, pass: rate >= perSecond });
    const atRate = mine.find((run) => run.phase === 'target-rate');
    if (atRate && atRate.load.kind === 'rate')
      targets.push({
        name: `${profile}: placed→confirmed p99 at ${fmt(atRate.load.perSecond)} orders/s offered`,
        measured: `${fmt(atRate.latencyMs.p99)} ms`,
        threshold: `≤ ${p99Ms} ms`,
        pass: atRate.latencyMs.p99 <= p99Ms,
      });
    const missing = mine.reduce((sum, run) => sum + notConfirmedOf(run), 0);
    const acknowledged = mine.reduce((sum, run) => sum + run.acknowledged, 0);
    targets.push({ name: `${profile}: acknowledged orders not confirmed, all runs`, measured: `${fmt(missing)} of ${fmt(acknowledged)}`, threshold: '0', pass: missing === 0 });
  }
  return targets;
};

const fmt = (n: number): string => (n === Number.POSITIVE_INFINITY ? '∞' : Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmt1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '—');
const pct = (n: number): string => `${Math.round(n * 100)} %`;
const ratio = (n: number): string => `${n < 0.1 ? n.toFixed(3) : n.toFixed(2)} ×`;
const loadText = (run: RunResult): string =>
  run.load.kind === 'rate' ? `${fmt(run.load.perSecond)}/s offered (open loop)` : `${run.load.clients} clients, closed loop over the saga`;

const runRow = (run: RunResult, bare: BareResult): string =>
  `| ${run.profile} | ${loadText(run)} | ${fmt(run.placedPerSecond)} | ${fmt(run.confirmedPerSecond)} | ${fmt(run.backlogAtEnd)} | ` +
  `${fmt(run.latencyMs.p50)} | ${fmt(run.latencyMs.p99)} | ${fmt(run.latencyMs.max)} | ${fmt(notConfirmedOf(run))} of ${fmt(run.acknowledged)} | ` +
  `${run.cpuMsPerOrder === undefined ? 'n/a' : fmt1(run.cpuMsPerOrder)} | ${run.cpu.othersSeconds === undefined ? 'n/a' : pct(run.cpu.othersSeconds / run.windowSeconds / os.cpus().length)} | ` +
  `${ratio(run.confirmedPerSecond / bare.ordersPerSecond)} |`;

const bareRow = (bare: BareResult): string =>
  `| bare baseline | ${bare.options.concurrency} orders in flight, a loop appending to SqliteEventStore | ${fmt(bare.ordersPerSecond)} | ${fmt(bare.ordersPerSecond)} | — | ` +
  `${fmt(bare.latencyMs.p50)} | ${fmt(bare.latencyMs.p99)} | ${fmt(bare.latencyMs.max)} | — | ${bare.cpuMsPerOrder.toFixed(2)} | n/a | 1.00 × |`;

const sameEvents = (runs: readonly RunResult[], bare: BareResult): string => {
  const platform = runs.find((run) => run.orderStreamTypes.length > 0);
  if (!platform) return 'No order was confirmed, so no stream could be compared with the baseline\'s.';
  const platformTypes = [...platform.orderStreamTypes, ...platform.productTypesForOrder].toSorted();
  const bareTypes = [...bare.orderStreamTypes, 'StockReserved', 'StockReservationCommitted'].toSorted();
  const same = platformTypes.join() === bareTypes.join();
  return (
    `One confirmed order of the platform has ${platform.orderStreamTypes.join(' → ')} in its stream and ` +
    `${platform.productTypesForOrder.join(' → ')} for it in its product's; the baseline appends ` +
    `${same ? 'the same types' : `other types (${bare.orderStreamTypes.join(', ')})`}. Baseline check: ${bare.verification} ` +
    `(${bare.verified ? 'decoded with the registered schemas and folded by the deciders: confirmed, stock committed' : 'NOT as the deciders expect'}).`
  );
};

const profileSection = (profiled: readonly ProfiledRun[]): string[] => {
  if (profiled.length === 0) return [];
  const lines = ['', '## Where the time goes', ''];
  for (const { profile, run, summary } of profiled) {
    const busyShare = summary.windowMs > 0 ? summary.busyMs / summary.windowMs : 0;
    lines.push(
      `**${profile}**, under \`node --cpu-prof\` (a run of its own: ${loadText(run)}, ${fmt(run.windowSeconds)} s window; ` +
        `${fmt(run.confirmedPerSecond)} confirmed/s with the profiler on, server CPU ${run.cpuMsPerOrder === undefined ? 'n/a' : `${fmt1(run.cpuMsPerOrder)} ms`} per order). ` +
        `The server's main thread (the HTTP API, the projections and the payment simulator: the sagas run in a thread of their own) was busy ${pct(busyShare)} of the window (${fmt(summary.busyMs)} of ${fmt(summary.windowMs)} ms sampled); ` +
        'a sample counts for the nearest frame on its stack that belongs to a part of the platform:',
      '',
      '| Part | ms | Share of busy |',
      '|---|--:|--:|',
      ...summary.parts.map((part) => `| ${part.part} | ${fmt(part.ms)} | ${pct(part.share)} |`),
      '',
      'Most self time:',
      '',
      '| Function | Where | ms | Share of busy |',
      '|---|---|--:|--:|',
      ...summary.topSelf.map((entry) => `| \`${entry.name}\` | ${entry.where} | ${fmt(entry.ms)} | ${pct(entry.share)} |`),
      '',
      'The project\'s functions with the most inclusive time (a function counted once per sample it is on the stack of):',
      '',
      '| Function | Where | ms | Share of busy |',
      '|---|---|--:|--:|',
      ...summary.topInclusive.map((entry) => `| \`${entry.name}\` | ${entry.where} | ${fmt(entry.ms)} | ${pct(entry.share)} |`),
      '',
    );
  }
  return lines;
};

export const markdown = (input: {
  runs: readonly RunResult[];
  bare: readonly BareResult[];
  profiled: readonly ProfiledRun[];
  config: SagasBenchConfig;
  info: ReturnType<typeof machine>;
  background: Background;
  redis: { own: boolean; version: string } | undefined;
  date: Date;
  totalSeconds: number;
}): string => {
  const { runs, config, info, background, redis, profiled } = input;
  const bare = bestBare(input.bare);
  const targets = targetsOf(runs);
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  const timelines = runs.map(
    (run) =>
      `${run.profile}, ${loadText(run)}: ${run.timeline.map((mark) => `${fmt(mark.backlog)} at ${mark.atSecond} s`).join(', ')}` +
      `; the server used ${run.serverCores === undefined ? 'n/a' : `${fmt1(run.serverCores)} core`} over the window` +
      `; every order final ${run.drained ? `${fmt1(run.drainSeconds)} s after the window` : `NOT within ${config.drainSeconds} s of the window (${fmt(run.notConfirmed.open)} still open)`}` +
      `; POST /api/v1/orders p50 ${fmt1(run.ackLatencyMs.p50)} ms, p99 ${fmt1(run.ackLatencyMs.p99)} ms` +
      `${run.errors + Object.values(run.refused).reduce((a, b) => a + b, 0) > 0 ? `; ${run.errors} connection errors, refused: ${JSON.stringify(run.refused)} (${run.firstError ?? ''})` : ''}` +
      `${run.notConfirmed.cancelled > 0 ? `; cancelled: ${JSON.stringify(run.notConfirmed.reasons)}` : ''}` +
      `${run.latencyMs.unconfirmed > 0 ? `; of the ${fmt(run.latencyMs.count + run.latencyMs.unconfirmed)} orders placed in the window, ${fmt(run.latencyMs.unconfirmed)} were never confirmed (the confirmed ones: ${fmt(run.latencyMs.count)})` : ''}.`,
  );
  const views = runs.map(
    (run) =>
      `${run.profile}, ${loadText(run)}: ${run.sagaView.running} sagas running, ${run.sagaView.ordersConfirmed}/${run.sagaView.sampled} sampled orders \`confirmed\`, ` +
      `${run.sagaView.sagasCompleted}/${run.sagaView.sampled} of their sagas \`completed\`${run.sagaView.firstMismatch ? ` (first mismatch: ${run.sagaView.firstMismatch})` : ''}` +
      `${run.serverWarnings > 0 ? `; the server wrote ${run.serverWarnings} lines to stderr, first: \`${(run.serverStderrTail ?? '').split('\n')[0]!.slice(0, 200)}\`` : ''}`,
  );
  const cpuRatio = (profile: ProfileName) => {
    const best = runs.filter((run) => run.profile === profile && sustained(run) && run.cpuMsPerOrder !== undefined).sort((a, b) => b.confirmedPerSecond - a.confirmedPerSecond)[0];
    return best ? `${profile} ${ratio(bare.cpuMsPerOrder / best.cpuMsPerOrder!)}` : undefined;
  };
  const ratios = (['embedded', 'redis'] as const).map((profile) => {
    const rate = sustainedRate(runs, profile);
    return runs.some((run) => run.profile === profile) ? `${profile} ${ratio(rate / bare.ordersPerSecond)} (${fmt(rate)} / ${fmt(bare.ordersPerSecond)})` : undefined;
  });
  const redisText = redis
    ? `redis-server ${redis.version} (${redis.own ? "the bench's own: --save '' --appendonly no --maxmemory-policy noeviction" : 'REDIS_URL'}) · bullmq ${info.bullmq}`
    : 'no Redis run';
  return [
    '# Saga bench',
    '',
    `${input.date.toISOString()} · ${info.cpus} × ${info.cpuModel} · ${fmt(info.totalMemoryMB)} MB · ${info.platform} · node ${info.node} · ` +
      `better-sqlite3 ${info.betterSqlite3} · ${redisText}${info.commit ? ` · commit ${info.commit}` : ''} · ${Math.round(input.totalSeconds)} s in all`,
    '',
    ...(info.modified.length > 0
      ? [
          `The working tree differed from the commit in ${info.modified.length} files under src/ and sagas/ while the bench ran (uncommitted edits ` +
            `of others sharing this checkout; what ran is what was on disk when each server started): ${info.modified.map((file) => `\`${file}\``).join(', ')}.`,
          '',
        ]
      : []),
    'Order fulfilment end to end: `POST /api/v1/orders` (`tok_visa`, one item of quantity 1, a product drawn at random among ' +
      `${config.products} created with a stock of 10⁹, one customer) against \`node --import tsx src/main.ts\` in a child process ` +
      '(fresh DATA_DIR, LOG_LEVEL=warn, the bundled payment simulator), once embedded (saga jobs in the process) and once with ' +
      `REDIS_URL (saga jobs on BullMQ), the sagas in a thread of their own in both, a fresh server for each run. Each run is a ${config.warmupSeconds} s warm-up followed, without a pause, by ` +
      `the same load for the ${config.seconds} s window. Two loads: **closed loop over the saga** (${config.clients.join(', ')} clients, a run each, every client placing its next ` +
      'order once its last is *confirmed*: at most that many orders in flight, so its rate is sustained by construction; the best is the capacity) and ' +
      `**open loop at the target rate** (${fmt(config.rates.embedded)}/s embedded, ${fmt(config.rates.redis)}/s with Redis, each order sent at its ` +
      'scheduled instant whether or not earlier ones were answered). The bench process follows the server\'s `DATA_DIR/events.sqlite` ' +
      'through `SqliteEventStore.subscribeToAll` (filter OrderPlaced, OrderConfirmed, OrderCancelled): placed/s and confirmed/s count the ' +
      'events *recorded* within the window, latency is `recordedAt` of OrderConfirmed − `recordedAt` of OrderPlaced (1 ms resolution) for ' +
      'the orders placed within the window, an order never confirmed (cancelled) counting as an infinite latency: ∞ means the percentile ' +
      'falls among those; they are also counted under "not confirmed". The backlog is the orders sent (for the open loop: due) by the end of the window and not confirmed ' +
      'by then, whether placed or still waiting for their 202. After the window ' +
      `the bench waits (up to ${config.drainSeconds} s) until every acknowledged order is confirmed or cancelled. Server CPU per order is the ` +
      'server process\'s user + system CPU (all threads, plus redis-server\'s when the bench started it) from the start of the load until every ' +
      'order was final, per order confirmed.',
    '',
    `Bare baseline (the ceiling): the same seven events per order (see below), in the same five appends, appended by a loop straight to a \`SqliteEventStore\` on a fresh file, ` +
      `${config.products} products, ${config.bare.concurrency} orders going through their chain of appends at once, ${config.bare.seconds} s after a ` +
      `${config.bare.warmupSeconds} s warm-up, in a child process of its own; run before and after the platform runs (${input.bare.map((b) => fmt(b.ordersPerSecond)).join(' and ')} orders/s), the better one shown.`,
    '',
    `Other work on this shared ${info.cpus}-core machine: ${pct(background.cpuBusyBeforeStart)} of the CPUs busy just before the start; load average ` +
      `${load(background.loadAverageAtStart)} at the start, ${load(background.loadAverageAtEnd)} at the end. "Others' CPU" is the share of all cores ` +
      'other processes kept busy during the window (the machine\'s busy time minus the server\'s, redis-server\'s and the bench\'s; approximate, as the ' +
      'kernel\'s machine-wide and per-process counters disagree by a few percent, and never below 0): rates and latencies move with it; CPU per order much less.',
    '',
    '| Profile | Load | placed/s | confirmed/s | backlog at end | p50 ms | p99 ms | max ms | not confirmed | server CPU ms/order | others\' CPU | ratio to bare |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    bareRow(bare),
    ...runs.map((run) => runRow(run, bare)),
    '',
    `Sustained orders/s over the bare baseline's: ${ratios.filter(Boolean).join('; ')}. By CPU per order (bare over platform, the ratio with a core each): ` +
      `${(['embedded', 'redis'] as const).map(cpuRatio).filter(Boolean).join('; ') || 'n/a'}.`,
    '',
    'Backlog (sent or due, not yet confirmed) every 5 s of the window:',
    '',
    ...timelines.map((line) => `- ${line}`),
    '',
    '| Target | Measured | Threshold | Result |',
    '|---|--:|--:|---|',
    ...targets.map((t) => `| ${t.name} | ${t.measured} | ${t.threshold} | ${t.pass ? 'PASS' : 'FAIL'} |`),
    '',
    `"Sustained": the highest confirmed/s of a profile's runs that kept up: the closed loop always does (at most as many orders in flight as clients), the open ` +
      `loop when its backlog at the end of the window was at most ${BACKLOG_SECONDS} s of its offered rate and every order ended. p99 is the open loop's, at the target rate.`,
    '',
    `Same events: ${sameEvents(runs, bare)}`,
    '',
    `Saga view once drained (\`GET /api/v1/sagas?status=running\`; \`GET /api/v1/orders/:id\` and \`GET /api/v1/sagas/:id\` as admin for ${runs[0]?.sagaView.sampled ?? 0} orders spread over each run): ` +
      `${views.join('; ')}.`,
    ...profileSection(profiled),
  ].join('\n');
};
