/** The HTTP bench's verdicts and its markdown table. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Verification } from './api.js';
import type { LoadResult } from './load.js';
import { ROOT } from './servers.js';

export interface BenchConfig {
  connections: number;
  /** Rounds per phase, each a run of each server. */
  rounds: number;
  /** Length of one server's run in a round. */
  seconds: number;
  warmupSeconds: number;
  products: number;
}

/** How busy the machine was with other work when the bench started (this is a shared, 2-core box). */
export interface Background {
  cpuBusyBeforeStart: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  waitedSeconds: number;
}

export interface Measured {
  bare: { get: LoadResult; post: LoadResult };
  ledgerflow: { get: LoadResult; post: LoadResult };
  /** ledgerflow's req/s over bare Express's, round by round. */
  roundRatios: { get: number[]; post: number[] };
  /** Errors, timeouts and non-2xx answers from ledgerflow during the warm-ups (the measured phases report their own). */
  warmupFailures: number;
  verification: Verification;
}

export interface Target {
  name: string;
  measured: string;
  threshold: string;
  pass: boolean;
}

const version = (pkg: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** Share of all cores busy over `ms`, from the kernel's per-core counters (whoever is using them). */
export const cpuBusy = async (ms = 1000): Promise<number> => {
  const sample = () => os.cpus().reduce((sum, cpu) => ({ idle: sum.idle + cpu.times.idle, total: sum.total + Object.values(cpu.times).reduce((a, b) => a + b, 0) }), { idle: 0, total: 0 });
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
};

export const machine = () => {
  const cpus = os.cpus();
  let commit: string | undefined;
  try {
    const git = (args: string) => execSync(`git ${args}`, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    commit = git('rev-parse --short HEAD');
    if (git('status --porcelain -- src') !== '') commit += ' (src modified)';
  } catch {
    commit = undefined;
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.type().toLowerCase()} ${os.release()} ${os.arch()}`,
    node: process.version,
    express: version('express'),
    autocannon: version('autocannon'),
    commit,
  };
};

const failures = (result: LoadResult) => result.errors + result.non2xx;

export const targetsOf = (m: Measured): Target[] => {
  const getRatio = m.ledgerflow.get.reqPerSec / m.bare.get.reqPerSec;
  const postRatio = m.ledgerflow.post.reqPerSec / m.bare.post.reqPerSec;
  const failed = failures(m.ledgerflow.get) + failures(m.ledgerflow.post) + m.warmupFailures;
  const { verification: v } = m;
  return [
    { name: 'GET req/s vs bare Express', measured: `${getRatio.toFixed(2)} ×`, threshold: '≥ 0.7 ×', pass: getRatio >= 0.7 },
    { name: 'POST req/s vs bare Express', measured: `${postRatio.toFixed(2)} ×`, threshold: '≥ 0.4 ×', pass: postRatio >= 0.4 },
    { name: 'ledgerflow GET p99', measured: `${m.ledgerflow.get.latencyMs.p99} ms`, threshold: '< 50 ms', pass: m.ledgerflow.get.latencyMs.p99 < 50 },
    { name: 'ledgerflow POST p99', measured: `${m.ledgerflow.post.latencyMs.p99} ms`, threshold: '< 50 ms', pass: m.ledgerflow.post.latencyMs.p99 < 50 },
    { name: 'ledgerflow errors + timeouts + non-2xx (warm-ups too)', measured: String(failed), threshold: '0', pass: failed === 0 },
    {
      name: 'stock.onHand = 2xx adjustments sent, per product',
      measured: `${v.products - v.mismatches.length}/${v.products} products (${fmt(v.onHandTotal)} on hand, ${fmt(v.expectedTotal)} accepted)`,
      threshold: `${v.products}/${v.products}`,
      pass: v.ok,
    },
  ];
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** Bare Express's server CPU per request over ledgerflow's: the throughput ratio both would reach with a core each to themselves. */
export const cpuRatio = (bare: LoadResult, ledgerflow: LoadResult): number | undefined =>
  bare.serverCpuUsPerRequest === undefined || ledgerflow.serverCpuUsPerRequest === undefined
    ? undefined
    : bare.serverCpuUsPerRequest / ledgerflow.serverCpuUsPerRequest;

const cpu = (r: LoadResult): string => (r.serverCpuUsPerRequest === undefined ? 'n/a' : fmt(r.serverCpuUsPerRequest));

const row = (phase: string, server: string, r: LoadResult): string =>
  `| ${phase} | ${server} | ${fmt(r.reqPerSec)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p99)} | ${fmt(r.count2xx)} | ${r.non2xx} | ${r.errors} (${r.timeouts}) | ${cpu(r)} |`;

const ratioRow = (phase: string, bare: LoadResult, ledgerflow: LoadResult): string => {
  const byCpu = cpuRatio(bare, ledgerflow);
  return `| *${phase}* | *ledgerflow / bare* | *${(ledgerflow.reqPerSec / bare.reqPerSec).toFixed(2)} ×* | | | | | | *${byCpu === undefined ? 'n/a' : `${byCpu.toFixed(2)} ×`}* |`;
};

const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');

export const markdown = (
  m: Measured,
  config: BenchConfig,
  info: ReturnType<typeof machine>,
  background: Background,
  date: Date,
  totalSeconds: number,
): string => {
  const targets = targetsOf(m);
  const v = m.verification;
  return [
    '# HTTP bench',
    '',
    `${date.toISOString()} · ${info.cpus} × ${info.cpuModel} · ${info.totalMemoryMB} MB · ${info.platform} · node ${info.node} · ` +
      `express ${info.express} · autocannon ${info.autocannon}${info.commit ? ` · commit ${info.commit}` : ''}`,
    '',
    `autocannon (in the bench process), ${config.connections} connections, no pipelining, against \`node --import tsx src/main.ts\` ` +
      `(embedded profile, fresh DATA_DIR, LOG_LEVEL=warn) and a bare Express ${info.express} app answering a canned product document, ` +
      `each in a child process of its own on this machine. ${config.products} products seeded as admin (initial stock 0); requests go ` +
      `round-robin over them. Phase 1: GET \`/api/v1/products/:id\`, ${config.seconds} s a run. Phase 2: POST ` +
      `\`/api/v1/products/:id/stock-adjustments\` (admin token, no If-Match, \`{"delta":1,"reason":"bench"}\`), as many requests as ` +
      `~${config.seconds} s take at the server's warm-up rate, every answer awaited. Each phase: a ~${config.warmupSeconds} s warm-up per ` +
      `server, then ${config.rounds} rounds in which the two servers take turns, so that other work on this shared machine weighs on ` +
      `both alike. Per server, req/s is over all its rounds, p50 the median round's, p99 the worst round's. Total ${Math.round(totalSeconds)} s.`,
    '',
    `Other work on the machine: ${Math.round(background.cpuBusyBeforeStart * 100)} % of the CPUs busy just before the start` +
      `${background.waitedSeconds > 0 ? ` (after waiting ${Math.round(background.waitedSeconds)} s for a quieter moment)` : ''}; ` +
      `load average ${load(background.loadAverageAtStart)} at the start, ${load(background.loadAverageAtEnd)} at the end. ` +
      'Absolute rates and p99s move with that load; the ratios less so.',
    '',
    '| Phase | Server | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors (timeouts) | server CPU µs/req |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
    row('GET product', 'bare Express', m.bare.get),
    row('GET product', 'ledgerflow', m.ledgerflow.get),
    ratioRow('GET product', m.bare.get, m.ledgerflow.get),
    row('POST stock adjustment', 'bare Express', m.bare.post),
    row('POST stock adjustment', 'ledgerflow', m.ledgerflow.post),
    ratioRow('POST stock adjustment', m.bare.post, m.ledgerflow.post),
    '',
    `Round by round, ledgerflow / bare req/s: GET ${m.roundRatios.get.map((r) => r.toFixed(2)).join(', ')}; ` +
      `POST ${m.roundRatios.post.map((r) => r.toFixed(2)).join(', ')}.`,
    '',
    '"server CPU µs/req": user + system CPU of the server process (all threads) during its measured runs, per answered ' +
      'request. Its ratio (bare over ledgerflow, last column of the ratio rows) is the throughput ratio with a core to ' +
      'each server; the req/s ratio is the target as specified.',
    '',
    '| Target | Measured | Threshold | Result |',
    '|---|--:|--:|---|',
    ...targets.map((t) => `| ${t.name} | ${t.measured} | ${t.threshold} | ${t.pass ? 'PASS' : 'FAIL'} |`),
    '',
    `Correctness: after the POST phase (warm-up adjustments included) every product was read with \`X-Min-Position\` of the highest ` +
      `\`X-Position\` answered; ${v.ok ? `each product's \`stock.onHand\` equals the number of 2xx adjustments sent to it` : `${v.mismatches.length} products disagree: ${v.mismatches.slice(0, 5).map((x) => `${x.id} has ${x.onHand}, expected ${x.expected}`).join('; ')}`}.`,
    '',
  ].join('\n');
};
